"""The app's shared state and its ``Annotated`` dependencies: :data:`StateDep` and :data:`Namespace`."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from .._keys import env_namespace, hash_key
from .._settings import ServiceSettings
from .._worker import Runtime
from ._backend import Backend

_KEY_CACHE_S = 30.0


@dataclass
class AppState:
    settings: ServiceSettings
    runtime: Runtime
    backend: Backend
    env_keys: dict[str, str] = field(default_factory=dict)
    """key digest → namespace, for the keys given in MODULO_API_KEYS."""
    _stored: dict[str, tuple[float, str]] = field(default_factory=dict)

    async def namespace_of(self, key: str) -> str | None:
        digest = hash_key(key)
        if digest in self.env_keys:
            return self.env_keys[digest]
        cached = self._stored.get(digest)
        if cached is not None and time.monotonic() - cached[0] < _KEY_CACHE_S:
            return cached[1]
        namespace = await self.runtime.records.key_namespace(digest)
        if namespace is not None:
            self._stored[digest] = (time.monotonic(), namespace)
        return namespace


def make_state(settings: ServiceSettings, runtime: Runtime, backend: Backend) -> AppState:
    return AppState(settings, runtime, backend, {hash_key(k): env_namespace(k) for k in settings.keys})


def get_state(request: Request) -> AppState:
    state: AppState = request.app.state.modulo
    return state


StateDep = Annotated[AppState, Depends(get_state)]
_bearer = HTTPBearer(auto_error=False, description="an API key: MODULO_API_KEYS or `modulo keys create`")


async def require_key(
    state: StateDep, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> str:
    """The namespace of the bearer key; 401 without a valid one."""
    if credentials is None or credentials.scheme.lower() != "bearer" or not credentials.credentials:
        raise HTTPException(401, "Send an API key: 'Authorization: Bearer <key>'.",
                            headers={"WWW-Authenticate": "Bearer"})
    namespace = await state.namespace_of(credentials.credentials)
    if namespace is None:
        raise HTTPException(401, "Unknown API key.", headers={"WWW-Authenticate": "Bearer"})
    return namespace


Namespace = Annotated[str, Depends(require_key)]
