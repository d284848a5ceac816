"""Entry point of the embedded llama.cpp server process (run by path; imports nothing of Modulo).

``python _llama_child.py <parent pid> <auto|on|off> <llama_cpp.server arguments…>``

Two things ``python -m llama_cpp.server`` does not do on its own:

* it exits when its parent dies, even by SIGKILL (a watchdog thread sees the re-parenting), so a crashed
  Modulo never leaves a 0.5–2 GB server behind (parent pid 0: no parent to watch, as in the compose
  ``llm`` service, whose image runs this file too);
* it can turn off llama.cpp's extra CPU weight buffers (AMX, repack).  On CPUs with AMX, the
  ``-march=native`` build of llama-cpp-python 0.3.36 segfaults in ``ggml_backend_amx_mul_mat`` on the
  first decode (seen on this project's machines); the server has no flag for it, so the default model
  parameters are patched before the server reads them.
"""

import os
import runpy
import sys
import threading
import time


def _watch_parent(parent: int) -> None:
    while True:
        if os.getppid() != parent:
            os._exit(0)
        time.sleep(0.5)


def _cpu_has_amx() -> bool:
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("flags"):
                    return "amx_" in line
    except OSError:
        pass
    return False


def _disable_extra_buffers() -> None:
    import llama_cpp.llama_cpp as bindings

    original = bindings.llama_model_default_params

    def default_params():  # type: ignore[no-untyped-def]
        params = original()
        params.use_extra_bufts = False
        return params

    bindings.llama_model_default_params = default_params


def main() -> None:
    parent, extra_buffers, args = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
    if parent:
        threading.Thread(target=_watch_parent, args=(parent,), daemon=True).start()
    if extra_buffers == "off" or (extra_buffers == "auto" and _cpu_has_amx()):
        _disable_extra_buffers()
    sys.argv = ["llama_cpp.server", *args]
    runpy.run_module("llama_cpp.server", run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
