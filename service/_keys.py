"""API keys: random bearer tokens, stored as SHA-256 digests, each owning one namespace.

Keys are 32 random bytes (not passwords a person picks), so an unsalted fast hash is enough: nobody can
guess a preimage, and a lookup stays one indexed query.  A key from ``MODULO_API_KEYS`` owns the
namespace ``key-<first 12 hex of its digest>``; a key made by ``modulo keys create`` owns the namespace it
was created with.
"""

from __future__ import annotations

import hashlib
import secrets

KEY_PREFIX = "mod_"


def new_key() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(32)


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def env_namespace(key: str) -> str:
    return "key-" + hash_key(key)[:12]
