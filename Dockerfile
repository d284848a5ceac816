# The API and the workers: `docker compose up` runs `modulo serve` and `modulo worker` from this image.
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app
COPY . /app
RUN pip install . && useradd --create-home modulo
USER modulo
EXPOSE 8000
CMD ["modulo", "serve", "--host", "0.0.0.0", "--port", "8000"]
