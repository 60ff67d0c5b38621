# One image for web, worker and beat. ODK Validate (inside pyxform) needs a Java runtime; the report PDF
# (WeasyPrint) needs Pango; backups need pg_dump and pg_restore (postgresql-client,
# Debian bookworm's 15, the server's version). The ru/tg catalogues are compiled in Python at build.
# PYTHON_IMAGE and NODE_IMAGE pick the bases: the public images by default, or the stand-ins that
# tools/compose_images.sh builds from Debian packages where no image registry can be reached.
ARG PYTHON_IMAGE=python:3.11-slim-bookworm
ARG NODE_IMAGE=node:20-bookworm-slim

# ODK Web Forms and Vue, served as our own static files (pinned in package-lock.json).
FROM ${NODE_IMAGE} AS node
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund --loglevel=error

FROM ${PYTHON_IMAGE}

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
RUN apt-get update \
 && apt-get install -y --no-install-recommends default-jre-headless libpango-1.0-0 libpangoft2-1.0-0 postgresql-client \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY pyproject.toml README.md ./
COPY bma ./bma
RUN pip install .
# node_modules before the source (.dockerignore keeps a local one out), so a code change does not copy it again.
COPY --from=node /app/node_modules ./node_modules
COPY . .
RUN SECRET_KEY=collectstatic-only python manage.py collectstatic --noinput && python -m bma.core.translations
RUN useradd --system --create-home bma && mkdir -p /data/media /app/staticfiles && chown -R bma /data /app/staticfiles
USER bma
EXPOSE 8000
# bma/gunicorn_conf.py keeps device tokens out of gunicorn's logs.
CMD ["gunicorn", "--config", "python:bma.gunicorn_conf", "bma.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3"]
