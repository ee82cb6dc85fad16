# syntax=docker/dockerfile:1
# Regimen API image: slim base, dependencies in their own layer, non-root, migrations on start.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PORT=8000 \
    REGIMEN_ENVIRONMENT=production \
    DATABASE_URL=sqlite+aiosqlite:////data/regimen.db

WORKDIR /srv/regimen

RUN groupadd --system --gid 10001 regimen \
 && useradd --system --uid 10001 --gid regimen --home-dir /srv/regimen --no-create-home regimen \
 && mkdir -p /data && chown regimen:regimen /data

# Dependencies first: this layer is rebuilt only when the pins change.
COPY requirements.txt ./
RUN pip install --no-compile -r requirements.txt

COPY alembic.ini ./
COPY migrations ./migrations
COPY app ./app
COPY docker/entrypoint.sh /usr/local/bin/regimen-entrypoint
RUN chmod 0755 /usr/local/bin/regimen-entrypoint

USER 10001:10001
VOLUME ["/data"]
EXPOSE 8000

HEALTHCHECK --interval=30s --timeout=3s --start-period=20s --retries=3 \
  CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('PORT', '8000'), timeout=2)"]

# uvicorn --workers: REGIMEN_WORKERS, else one per CPU on PostgreSQL; always one on SQLite
ENTRYPOINT ["regimen-entrypoint"]
