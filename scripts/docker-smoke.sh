#!/bin/sh
# Build the image and check that it serves: GET /roadmap answers 200 on a throwaway SQLite
# ledger inside the container. Needs a working `docker info`; `make docker-smoke` runs it.
set -eu
docker info >/dev/null 2>&1 || { echo "docker-smoke: no working docker (docker info failed)" >&2; exit 2; }
tag=chikuden:smoke
docker build -q -t "$tag" .
name=chikuden-smoke-$$
docker run -d --rm --name "$name" -p 127.0.0.1::8000 \
  -e CHIKUDEN_DB=sqlite:////tmp/ledger.sqlite \
  -e CHIKUDEN_SECRET_KEY="$(python3 -c 'import secrets; print(secrets.token_urlsafe(32))')" \
  "$tag" sh -c 'chikuden roadmap --db sqlite:////tmp/ledger.sqlite init && exec chikuden serve --host 0.0.0.0 --port 8000' >/dev/null
trap 'docker stop "$name" >/dev/null 2>&1 || true' EXIT
port=$(docker port "$name" 8000 | head -n1 | sed 's/.*://')
for _ in $(seq 1 60); do
  if curl -fsS "http://127.0.0.1:$port/roadmap" >/dev/null 2>&1; then
    echo "docker-smoke: /roadmap answers on port $port"; exit 0
  fi
  sleep 1
done
echo "docker-smoke: the container did not answer on /roadmap" >&2
docker logs "$name" >&2 || true
exit 1
