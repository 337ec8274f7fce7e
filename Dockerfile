# THRIVE-SP: one image for web, worker and beat (docker-compose.yml picks the command).

# --- Front end: govuk-frontend and htmx from npm, compiled by bin/build-assets ----------
FROM node:22-slim AS assets
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error
COPY assets ./assets
COPY static ./static
COPY bin/build-assets ./bin/build-assets
RUN bin/build-assets

# --- The app ------------------------------------------------------------------------------
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=config.settings
WORKDIR /app

RUN groupadd --system --gid 10001 thrive \
 && useradd --system --uid 10001 --gid thrive --home-dir /app --shell /usr/sbin/nologin thrive

COPY requirements.txt ./
RUN pip install -r requirements.txt

COPY . .
COPY --from=assets /app/static/build ./static/build
COPY --from=assets /app/static/vendor ./static/vendor

# Hashed, compressed static files served by whitenoise. The key exists only for this step:
# production settings refuse to load without one, and the real one comes from the environment.
RUN DEBUG=false SECRET_KEY=collectstatic-only-not-a-secret python manage.py collectstatic --noinput -v0 \
 && mkdir -p var \
 && chown -R thrive:thrive var

USER thrive
EXPOSE 8000
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--threads", "4", \
     "--access-logfile", "-", "--forwarded-allow-ips", "*"]
