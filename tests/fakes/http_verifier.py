"""A remote verifier over real HTTP for tests: a FastAPI app on uvicorn in a background thread.

It rejects plans longer than ``max_steps`` (a user's own rule, in the shape an external service would
answer) and can be told to fail ``fail_first`` requests with HTTP 503, or to answer slowly.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from typing import Any

import uvicorn
from fastapi import FastAPI, Response


class FakeVerifierServer:
    def __init__(self, max_steps: int = 4, fail_first: int = 0, delay: float = 0.0, malformed: bool = False) -> None:
        self.max_steps = max_steps
        self.fail_first = fail_first
        self.delay = delay
        self.malformed = malformed
        self.calls = 0
        self.bodies: list[dict[str, Any]] = []
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        app = FastAPI()

        @app.post("/verify")
        async def verify(body: dict[str, Any], response: Response) -> dict[str, Any]:
            self.calls += 1
            self.bodies.append(body)
            if self.delay:
                await asyncio.sleep(self.delay)
            if self.calls <= self.fail_first:
                response.status_code = 503
                return {"detail": "warming up"}
            if self.malformed:
                return {"valid": "perhaps", "violations": 7}
            steps = [line for line in body["plan"].splitlines() if line.strip()]
            if len(steps) <= self.max_steps:
                return {"valid": True, "energy": 0}
            return {"valid": False, "energy": len(steps) - self.max_steps,
                    "violations": [{"kind": "constraint", "message": f"at most {self.max_steps} steps"}]}

        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/verify"

    def __enter__(self) -> FakeVerifierServer:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started and time.monotonic() < deadline:
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(10)
