#!/bin/sh
# Migrate, seed the shared catalog (idempotent), then hand PID 1 to uvicorn.
set -eu
alembic upgrade head
python -m app.cli seed-catalog
exec uvicorn app.main:app_factory --factory --host 0.0.0.0 --port "${PORT:-8000}" \
  --proxy-headers --no-access-log "$@"
