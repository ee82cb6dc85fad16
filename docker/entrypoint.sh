#!/bin/sh
# Migrate, seed the shared catalog (idempotent), then hand PID 1 to uvicorn, with as many worker
# processes as the settings say (REGIMEN_WORKERS, else one per CPU; always one on SQLite: see
# Settings.web_workers in app/config.py).
set -eu
alembic upgrade head
python -m app.cli seed-catalog
workers="$(python -c 'from app.config import get_settings; print(get_settings().web_workers)')"
exec uvicorn app.main:app_factory --factory --host 0.0.0.0 --port "${PORT:-8000}" \
  --workers "$workers" --proxy-headers --no-access-log "$@"
