# syntax=docker/dockerfile:1
# Inclusion Pool application image: one image for every process (docker-compose.yml).
#   default command: scripts/web (gunicorn)   others: scripts/worker, scripts/beat,
#   python manage.py migrate --no-input (as DATABASE_OWNER_URL's role).
# Configuration comes from the environment at run time (README "Configuration").
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=config.settings.production \
    BIND=0.0.0.0:8000

# Pango/HarfBuzz and a font for PDF rendering; libmagic for upload type sniffing.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core libmagic1 \
    && rm -rf /var/lib/apt/lists/*

RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --home-dir /home/app --create-home \
        --shell /usr/sbin/nologin app

WORKDIR /app

# Dependencies first, so code changes reuse this layer.
COPY requirements.prod.lock ./
RUN pip install -r requirements.prod.lock

COPY . .

# Static files are built into the image (served by WhiteNoise from .data/staticfiles).
# Production settings refuse to load without these; the values exist only for this build
# step: nothing connects to a database or reads pupil data here.
RUN SECRET_KEY=build-only-not-a-secret \
    ALLOWED_HOSTS=localhost \
    DATABASE_URL=postgres://build:build@localhost:5432/build \
    PUPIL_DATA_KEY=YnVpbGQtb25seS1ub3QtYS1rZXktMDAwMDAwMDAwMDA= \
    PUPIL_UPN_HASH_KEY=build-only \
    python manage.py collectstatic --noinput -v0 \
    && mkdir -p /app/.data/private \
    && chown app:app /app/.data/private

USER app

EXPOSE 8000

HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 \
    CMD ["python", "deploy/healthcheck.py"]

CMD ["scripts/web"]
