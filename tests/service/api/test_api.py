"""The REST API against a real uvicorn server, a real worker, PostgreSQL and Redis, with the fake LLM."""

from __future__ import annotations

import json
import time
from typing import Any

import httpx
import pytest

from .stack import KEYS, Stack

RUN = {"domain": "blocksworld", "instance": "instance-1", "max_rounds": 4, "prompt_style": "pddl"}
BAD_PROBLEM = "(define (problem p) (:domain blocksworld)\n  (:objects a b)\n  (:init (ontable a)\n  (:goal (on a b)))\n"


def wait_finished(client: httpx.Client, run_id: str, timeout: float = 30) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        view = client.get(f"/v1/runs/{run_id}").json()
        if view["status"] not in ("queued", "running"):
            return view
        time.sleep(0.1)
    raise AssertionError(f"run {run_id} did not finish: {view}")


def test_create_and_get_a_run(stack: Stack) -> None:
    with stack.client() as client:
        created = client.post("/v1/runs", json=RUN)
        assert created.status_code == 201, created.text
        view = wait_finished(client, created.json()["id"])
    assert view["status"] == "solved"
    assert [r["number"] for r in view["rounds"]] == [1, 2]
    assert view["plan"] and view["plan"][0].startswith("(")
    assert view["result"]["usage"]["llm_calls"] == 2


def test_list_runs_newest_first_by_page_and_state(stack: Stack) -> None:
    with stack.client(KEYS[0]) as alice, stack.client(KEYS[1]) as bob:
        first = alice.post("/v1/runs", json=RUN).json()["id"]
        second = alice.post("/v1/runs", json={**RUN, "instance": "instance-2"}).json()["id"]
        for run_id in (first, second):
            wait_finished(alice, run_id)
        listed = alice.get("/v1/runs").json()
        ids = [r["id"] for r in listed["runs"]]
        assert ids.index(second) < ids.index(first)  # newest first
        page = alice.get("/v1/runs", params={"limit": 1}).json()
        assert [r["id"] for r in page["runs"]] == [second] and page["next_offset"] == 1
        assert alice.get("/v1/runs", params={"limit": 1, "offset": 1}).json()["runs"][0]["id"] == first
        solved = alice.get("/v1/runs", params={"status": "solved", "limit": 500}).json()["runs"]
        assert {first, second} <= {r["id"] for r in solved} and {r["status"] for r in solved} == {"solved"}
        assert not {first, second} & {r["id"] for r in bob.get("/v1/runs", params={"limit": 500}).json()["runs"]}
        assert alice.get("/v1/runs", params={"status": "lost"}).status_code == 422
        assert alice.get("/v1/runs", params={"limit": 0}).status_code == 422


def test_sse_streams_every_round_then_the_end(stack: Stack) -> None:
    with stack.client() as client:
        run_id = client.post("/v1/runs", json=RUN).json()["id"]
        events: list[tuple[str, str]] = []
        with client.stream("GET", f"/v1/runs/{run_id}/events") as response:
            assert response.status_code == 200
            assert response.headers["content-type"].startswith("text/event-stream")
            name = ""
            for line in response.iter_lines():
                if line.startswith("event:"):
                    name = line.split(":", 1)[1].strip()
                elif line.startswith("data:"):
                    events.append((name, line.split(":", 1)[1].strip()))
                    if name == "end":
                        break
    assert [n for n, _ in events] == ["round", "round", "end"]
    assert [json.loads(d)["number"] for n, d in events if n == "round"] == [1, 2]
    assert json.loads(events[-1][1]) == {"status": "solved"}


def test_cancel_a_run(stack: Stack) -> None:
    with stack.client() as client:
        run_id = client.post("/v1/runs", json={**RUN, "max_rounds": 50, "instance": "instance-2"}).json()["id"]
        answer = client.post(f"/v1/runs/{run_id}/cancel")
        assert answer.status_code == 202
        view = wait_finished(client, run_id)
    assert view["status"] in ("cancelled", "solved")  # it may have won the race with 2 fast rounds
    assert view["cancel_requested"] is True


def test_idempotency_key_never_creates_two_runs(stack: Stack) -> None:
    with stack.client() as client:
        headers = {"Idempotency-Key": f"once-{stack.tag}"}
        first = client.post("/v1/runs", json=RUN, headers=headers)
        again = client.post("/v1/runs", json=RUN, headers=headers)
        other = client.post("/v1/runs", json={**RUN, "max_rounds": 5}, headers=headers)
    assert first.status_code == 201 and again.status_code == 200
    assert first.json()["id"] == again.json()["id"]
    assert other.status_code == 409


def test_pddl_errors_are_422_with_file_line_and_reason(stack: Stack) -> None:
    with stack.client() as client:
        domain = client.get("/v1/domains").json()
        assert any(d["name"] == "blocksworld" for d in domain)
        from domains import get_domain

        answer = client.post("/v1/runs", json={"domain_pddl": get_domain("blocksworld").domain_pddl,
                                                "problem_pddl": BAD_PROBLEM})
    assert answer.status_code == 422
    body = answer.json()
    assert body["file"] == "problem" and isinstance(body["line"], int) and body["reason"]


def test_request_size_limit_is_413(stack: Stack) -> None:
    with stack.client() as client:
        answer = client.post("/v1/runs", json={"domain_pddl": "x" * 300_000, "problem_pddl": "y"})
        chunked = client.post("/v1/runs", content=(b"x" * 50_000 for _ in range(6)),
                              headers={"content-type": "application/json"})
    assert answer.status_code == 413
    assert chunked.status_code == 413


@pytest.mark.parametrize("body", [b"{", b"[]", b'{"domain": 3}', b'{"domain_pddl": "(", "problem_pddl": ")"}',
                                  b'{"domain": "nope", "instance": "x"}', "\udcff".encode("utf-8", "surrogatepass")])
def test_malformed_input_is_4xx(stack: Stack, body: bytes) -> None:
    with stack.client() as client:
        answer = client.post("/v1/runs", content=body, headers={"content-type": "application/json"})
    assert 400 <= answer.status_code < 500, answer.text


def test_every_route_but_healthz_needs_a_key(stack: Stack) -> None:
    schema = httpx.get(f"{stack.api_url}/openapi.json").json()
    checked = 0
    for path, methods in schema["paths"].items():
        concrete = path.replace("{run_id}", "x").replace("{batch_id}", "x").replace("{lesson_id}", "x")
        for method in methods:
            for headers in ({}, {"Authorization": "Bearer wrong"}):
                answer = httpx.request(method, stack.api_url + concrete, headers=headers, json={})
                expected = 200 if path == "/healthz" else 401
                assert answer.status_code == expected, (method, path, answer.status_code)
            checked += 1
    assert checked >= 12


def test_one_key_cannot_read_another_keys_runs_or_lessons(stack: Stack) -> None:
    with stack.client(KEYS[0]) as alice, stack.client(KEYS[1]) as bob:
        run_id = alice.post("/v1/runs", json=RUN).json()["id"]
        wait_finished(alice, run_id)
        assert bob.get(f"/v1/runs/{run_id}").status_code == 404
        assert bob.get(f"/v1/runs/{run_id}/events").status_code == 404
        assert bob.post(f"/v1/runs/{run_id}/cancel").status_code == 404
        lessons = alice.get("/v1/lessons").json()
        assert lessons, "the failed first round teaches alice a rule"
        assert bob.get("/v1/lessons").json() == []
        assert bob.get(f"/v1/lessons/{lessons[0]['id']}").status_code == 404
        assert bob.delete(f"/v1/lessons/{lessons[0]['id']}").status_code == 404
        assert alice.get(f"/v1/lessons/{lessons[0]['id']}").status_code == 200


def test_verifiers_by_url_follow_the_host_allow_list(stack: Stack) -> None:
    with stack.client() as client:
        ok = client.post("/v1/verifiers", json={"name": "mine", "url": "http://127.0.0.1:9/verify"})
        refused = client.post("/v1/verifiers", json={"name": "far", "url": "http://example.invalid/verify"})
        listed = client.get("/v1/verifiers").json()
    assert ok.status_code == 201
    assert refused.status_code == 422 and "allow-list" in refused.json()["detail"]
    assert [v["name"] for v in listed] == ["pddl", "mine"]


def test_batch_progress_and_report(stack: Stack) -> None:
    with stack.client() as client:
        created = client.post("/v1/batches", json={"domain": "blocksworld", "generate": True, "n": 4,
                                                   "options": {"max_rounds": 3, "prompt_style": "pddl"}})
        assert created.status_code == 201, created.text
        batch_id = created.json()["id"]
        deadline = time.monotonic() + 30
        while not (view := client.get(f"/v1/batches/{batch_id}").json())["done"]:
            assert time.monotonic() < deadline
            time.sleep(0.2)
    assert view["progress"]["by_status"] == {"solved": 4}
    assert view["report"]["summary"]["solved_by_round"] == [0, 4, 4]
    assert "4/4 solved" in view["report_markdown"]


def test_metrics(stack: Stack) -> None:
    with stack.client() as client:
        text = client.get("/metrics").text
    assert 'modulo_runs{status="solved"}' in text
    assert "modulo_rounds_total" in text and "modulo_queue_depth" in text
