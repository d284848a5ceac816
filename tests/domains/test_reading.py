"""Reading PDDL: a new domain is parsed once even when many threads ask for it at the same moment."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from unittest import mock

from domains import _reading, get_domain


def test_threads_asking_for_a_new_domain_at_once_share_one_parse() -> None:
    # a domain text no test has read yet (a comment changes the text, not the domain)
    text = get_domain("blocksworld").domain_pddl + f"\n; {threading.get_ident()} {id(object())}\n"
    real = _reading._parse_with_up
    calls: list[str | None] = []
    start = threading.Barrier(6)

    def counted(domain_text: str, problem_text: str | None) -> object:
        calls.append(problem_text)
        return real(domain_text, problem_text)

    def read(_: int) -> object:
        start.wait()
        return _reading.read_domain(text, "domain.pddl")

    with mock.patch.object(_reading, "_parse_with_up", counted), ThreadPoolExecutor(6) as pool:
        models = list(pool.map(read, range(6)))
    assert calls == [None]
    assert all(m is models[0] for m in models)
    assert set(models[0].actions) == {"pick-up", "put-down", "stack", "unstack"}
