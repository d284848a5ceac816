"""A scripted OpenAI-compatible (and Anthropic Messages) LLM server over real HTTP, for tests and benchmarks.

Standard library only, so it also runs as a separate process (``python fake_llm.py --latency 1``), where
it does not share the GIL with the client being measured.  The HTTP/1.1 server is a bare asyncio one
(keep-alive, Content-Length bodies): every request is a coroutine, so 1,000 requests can be in flight
at once on one thread.

Answers come, in order, from a *script* — ``str`` texts, :class:`Reply` (text with latency, finish
reason, usage) or :class:`Fault` (429 with ``Retry-After``, 5xx, a hang past the client's timeout, a
malformed body, a dropped connection) — or from a function of the request JSON.  A script can also be a
mapping from conversation key (by default the first user message, or the prompt) to its own list.

    with FakeLLM(script=["(pick-up a)", Fault.rate_limited(retry_after=1)]) as fake:
        ... base_url=fake.base_url ...
        assert fake.calls == 2

Endpoints: ``POST /v1/chat/completions``, ``POST /v1/completions`` (each of ``n`` choices takes one
script item), ``POST /v1/messages`` (Anthropic), ``GET /v1/models``, and ``GET /_fake/stats`` (calls and
maximum in-flight requests as JSON, for a fake in another process).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import inspect
import json
import sys
import threading
from collections import deque
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["FakeLLM", "Fault", "RecordedRequest", "Reply"]


@dataclass(frozen=True)
class Reply:
    """One answer: its text, and optionally a latency, a finish reason and token counts."""

    text: str = ""
    finish_reason: str = "stop"
    delay_s: float = 0.0
    prompt_tokens: int | None = None
    completion_tokens: int | None = None


@dataclass(frozen=True)
class Fault:
    """A failure in place of an answer (it fails the whole request, whatever ``n`` is)."""

    status: int = 500
    body: str = '{"error": {"message": "fake server error"}}'
    retry_after: str | None = None
    delay_s: float = 0.0
    drop: bool = False
    """Close the connection without answering (after ``delay_s``)."""
    content_type: str = "application/json"

    @classmethod
    def rate_limited(cls, retry_after: float | str | None = 1) -> Fault:
        return cls(
            status=429,
            body='{"error": {"message": "rate limited"}}',
            retry_after=None if retry_after is None else str(retry_after),
        )

    @classmethod
    def server_error(cls, status: int = 500) -> Fault:
        return cls(status=status)

    @classmethod
    def timeout(cls, seconds: float = 30.0) -> Fault:
        """Hang for ``seconds`` (longer than the client's timeout), then drop the connection."""
        return cls(delay_s=seconds, drop=True)

    @classmethod
    def malformed(cls, body: str = '{"choices": [{"index": 0, "mess', status: int = 200) -> Fault:
        """An answer whose body is not the JSON the endpoint promises."""
        return cls(status=status, body=body)

    @classmethod
    def dropped(cls) -> Fault:
        return cls(drop=True)


Item = str | Reply | Fault
Responder = Callable[[dict[str, Any]], Item | Awaitable[Item]]


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    headers: Mapping[str, str]
    json: Any


@dataclass
class _Stats:
    calls: int = 0
    in_flight: int = 0
    max_in_flight: int = 0
    requests: list[RecordedRequest] = field(default_factory=list)


def conversation_of(body: Mapping[str, Any]) -> str:
    """Default conversation key: the first user message of a chat, else the prompt."""
    for message in body.get("messages") or ():
        if isinstance(message, dict) and message.get("role") == "user":
            content = message.get("content")
            return content if isinstance(content, str) else json.dumps(content)
    prompt = body.get("prompt", "")
    return prompt if isinstance(prompt, str) else json.dumps(prompt)


def _words(text: str) -> int:
    return len(text.split())


class FakeLLM:
    """The fake server; start it with ``with FakeLLM(...) as fake`` (or ``start()``/``stop()``)."""

    def __init__(
        self,
        script: Iterable[Item] | Mapping[str, Iterable[Item]] = (),
        *,
        respond: Responder | None = None,
        latency_s: float = 0.0,
        model: str = "fake-model",
        conversation: Callable[[Mapping[str, Any]], str] = conversation_of,
        record: bool = True,
        honour_n: bool = True,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.latency_s = latency_s
        self.model = model
        self.respond = respond
        self.conversation = conversation
        self.record = record
        self.honour_n = honour_n
        """False: answer one choice whatever ``n`` is, as llama.cpp's and Ollama's servers do."""
        self.host = host
        self.port = port
        self._queues: dict[str | None, deque[Item]] = {}
        self.set_script(script)
        self._stats = _Stats()
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None

    # -- scripting and inspection ------------------------------------------------------------------

    def set_script(self, script: Iterable[Item] | Mapping[str, Iterable[Item]]) -> None:
        """Replace the script (a list for every request, or a list per conversation key)."""
        if isinstance(script, Mapping):
            self._queues = {key: deque(items) for key, items in script.items()}
        else:
            self._queues = {None: deque(script)}

    def reset(self) -> None:
        """Forget the counts and recorded requests."""
        self._stats = _Stats()

    @property
    def calls(self) -> int:
        """Requests received on the completion endpoints (``/v1/models`` not counted)."""
        return self._stats.calls

    @property
    def max_in_flight(self) -> int:
        return self._stats.max_in_flight

    @property
    def in_flight(self) -> int:
        return self._stats.in_flight

    @property
    def requests(self) -> list[RecordedRequest]:
        return self._stats.requests

    @property
    def remaining(self) -> int:
        return sum(len(q) for q in self._queues.values())

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>/v1`` — what an OpenAI-compatible client takes."""
        return f"{self.root_url}/v1"

    @property
    def root_url(self) -> str:
        """``http://127.0.0.1:<port>`` — what the Anthropic client takes."""
        return f"http://{self.host}:{self.port}"

    # -- lifecycle ---------------------------------------------------------------------------------

    def start(self) -> FakeLLM:
        self._thread = threading.Thread(target=self._run, name="fake-llm", daemon=True)
        self._thread.start()
        self._ready.wait(10)
        if self._error is not None:
            raise self._error
        return self

    def stop(self) -> None:
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        if self._thread is not None:
            self._thread.join(10)
        self._thread = None

    def __enter__(self) -> FakeLLM:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        try:
            loop.run_until_complete(self.serve())
        except BaseException as exc:  # surfaced to start()
            self._error = exc
            self._ready.set()
        finally:
            loop.close()

    async def serve(self, on_ready: Callable[[int], None] | None = None) -> None:
        """Serve until :meth:`stop` (runs in the current loop; ``start()`` runs it in a thread)."""
        self._stop = asyncio.Event()
        handlers: set[asyncio.Task[None]] = set()

        async def on_connection(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            task = asyncio.current_task()
            assert task is not None
            handlers.add(task)
            try:
                await self._connection(reader, writer)
            except asyncio.CancelledError:
                pass  # shutting down; ending normally keeps asyncio's stream callback from logging it
            finally:
                handlers.discard(task)

        server = await asyncio.start_server(on_connection, self.host, self.port, backlog=4096, limit=1 << 22)
        self.port = server.sockets[0].getsockname()[1]
        if on_ready:
            on_ready(self.port)
        self._ready.set()
        async with server:
            await self._stop.wait()
            server.close()
            for task in list(handlers):
                task.cancel()
            await asyncio.gather(*handlers, return_exceptions=True)

    # -- HTTP --------------------------------------------------------------------------------------

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                try:
                    head = await reader.readuntil(b"\r\n\r\n")
                except (asyncio.IncompleteReadError, ConnectionError):
                    return
                request_line, *header_lines = head.decode("latin-1").rstrip("\r\n").split("\r\n")
                method, target, _version = request_line.split(" ", 2)
                headers = {}
                for line in header_lines:
                    name, _, value = line.partition(":")
                    headers[name.strip().lower()] = value.strip()
                length = int(headers.get("content-length", "0") or 0)
                body = await reader.readexactly(length) if length else b""
                answer = await self._handle(method, target.split("?", 1)[0], headers, body)
                if answer is None:  # a dropped connection
                    return
                status, content_type, payload, extra = answer
                head_out = [
                    f"HTTP/1.1 {status} {_REASONS.get(status, 'Status')}",
                    f"content-type: {content_type}",
                    f"content-length: {len(payload)}",
                ]
                head_out += [f"{k}: {v}" for k, v in extra.items()]
                writer.write(("\r\n".join(head_out) + "\r\n\r\n").encode("latin-1") + payload)
                await writer.drain()
                if headers.get("connection", "").lower() == "close":
                    return
        except (ConnectionError, asyncio.IncompleteReadError):
            return
        finally:
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()

    async def _handle(
        self, method: str, path: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, str, bytes, dict[str, str]] | None:
        path = path.rstrip("/")
        if method == "GET" and path == "/v1/models":
            listing = {"object": "list", "data": [{"id": self.model, "object": "model", "owned_by": "fake"}]}
            return 200, "application/json", json.dumps(listing).encode(), {}
        if method == "GET" and path == "/_fake/stats":  # for a fake running in another process
            stats = {"calls": self.calls, "max_in_flight": self.max_in_flight, "in_flight": self.in_flight}
            return 200, "application/json", json.dumps(stats).encode(), {}
        kind = {"/v1/chat/completions": "chat", "/v1/completions": "text", "/v1/messages": "messages"}.get(
            path
        )
        if method != "POST" or kind is None:
            return 404, "application/json", b'{"error": {"message": "not found"}}', {}
        try:
            request = json.loads(body or b"{}")
        except ValueError:
            return 400, "application/json", b'{"error": {"message": "body is not JSON"}}', {}
        stats = self._stats
        stats.calls += 1
        if self.record:
            stats.requests.append(RecordedRequest(method, path, dict(headers), request))
        stats.in_flight += 1
        stats.max_in_flight = max(stats.max_in_flight, stats.in_flight)
        try:
            if self.latency_s:
                await asyncio.sleep(self.latency_s)
            n = int(request.get("n") or 1) if kind != "messages" and self.honour_n else 1
            replies: list[Reply] = []
            for _ in range(n):
                item = await self._next(request)
                if isinstance(item, Fault):
                    if item.delay_s:
                        await asyncio.sleep(item.delay_s)
                    if item.drop:
                        return None
                    extra = {"retry-after": item.retry_after} if item.retry_after is not None else {}
                    return item.status, item.content_type, item.body.encode(), extra
                replies.append(Reply(text=item) if isinstance(item, str) else item)
            delay = max(r.delay_s for r in replies)
            if delay:
                await asyncio.sleep(delay)
            return 200, "application/json", json.dumps(self._body(kind, request, replies)).encode(), {}
        finally:
            stats.in_flight -= 1

    async def _next(self, request: dict[str, Any]) -> Item:
        if self.respond is not None:
            item = self.respond(request)
            return await item if inspect.isawaitable(item) else item
        key = self.conversation(request) if None not in self._queues else None
        queue = self._queues.get(key)
        if not queue:
            return Fault(
                status=500, body=json.dumps({"error": {"message": f"fake_llm: script exhausted ({key!r})"}})
            )
        return queue.popleft()

    def _body(self, kind: str, request: dict[str, Any], replies: list[Reply]) -> dict[str, Any]:
        if kind == "text":
            prompt = request.get("prompt", "")
            prompt_text = prompt if isinstance(prompt, str) else " ".join(map(str, prompt))
        else:
            prompt_text = " ".join(
                m.get("content", "") if isinstance(m.get("content"), str) else ""
                for m in request.get("messages") or ()
                if isinstance(m, dict)
            )
            if kind == "messages" and isinstance(request.get("system"), str):
                prompt_text = request["system"] + " " + prompt_text
        prompt_tokens = next(
            (r.prompt_tokens for r in replies if r.prompt_tokens is not None), _words(prompt_text)
        )
        completion_tokens = sum(
            r.completion_tokens if r.completion_tokens is not None else _words(r.text) for r in replies
        )
        model = request.get("model") or self.model
        if kind == "messages":
            reply = replies[0]
            stop = {"stop": "end_turn", "length": "max_tokens"}.get(reply.finish_reason, reply.finish_reason)
            return {
                "id": f"msg_fake_{self._stats.calls}",
                "type": "message",
                "role": "assistant",
                "model": model,
                "content": [{"type": "text", "text": reply.text}],
                "stop_reason": stop,
                "usage": {"input_tokens": prompt_tokens, "output_tokens": completion_tokens},
            }
        if kind == "chat":
            choices = [
                {
                    "index": i,
                    "message": {"role": "assistant", "content": r.text},
                    "finish_reason": r.finish_reason,
                }
                for i, r in enumerate(replies)
            ]
        else:
            choices = [
                {"index": i, "text": r.text, "logprobs": None, "finish_reason": r.finish_reason}
                for i, r in enumerate(replies)
            ]
        return {
            "id": f"cmpl-fake-{self._stats.calls}",
            "object": "chat.completion" if kind == "chat" else "text_completion",
            "model": model,
            "choices": choices,
            "usage": {
                "prompt_tokens": prompt_tokens,
                "completion_tokens": completion_tokens,
                "total_tokens": prompt_tokens + completion_tokens,
            },
        }


_REASONS = {
    200: "OK",
    400: "Bad Request",
    404: "Not Found",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
}


def main(argv: list[str] | None = None) -> None:
    """Run a fake that answers every request with ``--text`` after ``--latency`` seconds; print the port."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency", type=float, default=0.0)
    parser.add_argument("--text", default="(pick-up a)\n[PLAN END]")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args(argv)
    text = args.text
    fake = FakeLLM(respond=lambda _request: text, latency_s=args.latency, port=args.port, record=False)

    def ready(port: int) -> None:
        print(port, flush=True)

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(fake.serve(on_ready=ready))


if __name__ == "__main__":
    main(sys.argv[1:])
