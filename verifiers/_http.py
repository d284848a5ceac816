"""Verifiers written in any language, reached over HTTP: POST ``{domain, problem, plan}``, receive a Verdict."""

from __future__ import annotations

from typing import ClassVar
from urllib.parse import urlsplit

import httpx
from pydantic import ValidationError
from tenacity import AsyncRetrying, retry_if_exception, stop_after_attempt, wait_exponential_jitter

from domains import Plan, PlanningTask, UsageError

from ._verdict import Verdict, Violation

DEFAULT_ALLOWED_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


def _retryable(exc: BaseException) -> bool:
    if isinstance(exc, httpx.HTTPStatusError):
        return exc.response.status_code == 429 or exc.response.status_code >= 500
    return isinstance(exc, httpx.TransportError)


class HTTPVerifier:
    """A remote verifier.  Its host must be on the allow-list; failures after retries become verdicts.

    The request body is ``{"domain": <PDDL>, "problem": <PDDL>, "plan": <PDDL plan lines>}``; the answer is
    a :class:`Verdict` as JSON (``verifier`` and ``hard`` may be omitted: they are taken from here).
    A hard HTTP verifier that cannot be reached makes the plan *not* valid (kind ``error``/``timeout``):
    Modulo never reports a plan valid without every hard verifier's word.
    """

    supports: ClassVar[frozenset[str]] = frozenset()

    def __init__(
        self,
        name: str,
        url: str,
        *,
        hard: bool = True,
        allowed_hosts: frozenset[str] = DEFAULT_ALLOWED_HOSTS,
        timeout: float = 10.0,
        attempts: int = 3,
        client: httpx.AsyncClient | None = None,
    ) -> None:
        host = urlsplit(url).hostname
        if urlsplit(url).scheme not in ("http", "https") or not host:
            raise UsageError(f"HTTP verifier {name!r}: {url!r} is not an http(s) URL")
        if host not in allowed_hosts:
            raise UsageError(
                f"HTTP verifier {name!r}: host {host!r} is not on the allow-list ({', '.join(sorted(allowed_hosts))}); "
                "add it to the allowed verifier hosts setting"
            )
        self.name = name
        self.url = url
        self.hard = hard
        self.timeout = timeout
        self.attempts = attempts
        self._client = client

    async def _post(self, client: httpx.AsyncClient, body: dict[str, str]) -> httpx.Response:
        response = await client.post(self.url, json=body, timeout=self.timeout)
        response.raise_for_status()
        return response

    def _failure(self, kind: str, message: str) -> Verdict:
        return Verdict(
            verifier=self.name,
            hard=self.hard,
            valid=False,
            energy=1.0,
            violations=(Violation(kind=kind, message=f"verifier {self.name!r}: {message}"),),  # type: ignore[arg-type]
        )

    async def verify(self, task: PlanningTask, plan: Plan) -> Verdict:
        body = {"domain": task.domain_pddl, "problem": task.problem_pddl, "plan": plan.to_pddl()}
        client = self._client or httpx.AsyncClient()
        try:
            retrying = AsyncRetrying(
                stop=stop_after_attempt(self.attempts),
                wait=wait_exponential_jitter(multiplier=0.1, max=2.0),
                retry=retry_if_exception(_retryable),
                reraise=True,
            )
            async for attempt in retrying:
                with attempt:
                    response = await self._post(client, body)
        except httpx.TimeoutException:
            return self._failure("timeout", f"no answer within {self.timeout}s after {self.attempts} attempt(s)")
        except httpx.HTTPStatusError as exc:
            return self._failure("error", f"HTTP {exc.response.status_code}: {exc.response.text[:200]}")
        except httpx.TransportError as exc:
            return self._failure("error", f"cannot reach {self.url}: {exc!r}")
        finally:
            if self._client is None:
                await client.aclose()
        try:
            data = response.json()
            data.setdefault("verifier", self.name)
            data["hard"] = self.hard
            return Verdict.model_validate(data)
        except (ValueError, ValidationError) as exc:
            return self._failure("error", f"answered with something that is not a verdict: {str(exc)[:200]}")
