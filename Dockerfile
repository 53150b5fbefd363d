# chikuden's web app (simulator + roadmap desk) under uvicorn; see docs/deploy.md.
# Build and smoke-test: `make docker-smoke` (needs a working `docker info`).
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PIP_NO_CACHE_DIR=1
WORKDIR /app
COPY pyproject.toml README.md ./
COPY src ./src
# the postgres extra: the psycopg driver of CHIKUDEN_DB=postgresql://... (docs/deploy.md)
RUN pip install '.[postgres]' && useradd --create-home chikuden
USER chikuden
# CHIKUDEN_DB (postgresql://...), CHIKUDEN_SECRET_KEY and CHIKUDEN_READ_OPEN come from the
# environment at run time; never bake the secret into the image.
EXPOSE 8000
CMD ["chikuden", "serve", "--host", "0.0.0.0", "--port", "8000"]
