# Production image: gunicorn web, celery worker and beat share it (docker-compose.yml).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app

# The runtime lock: exactly the locked versions, each file checked against its hash
# (requirements/security-floors.txt says why each version is safe; no test tools here).
COPY pyproject.toml ./
COPY requirements/base.lock requirements/
RUN pip install --require-hashes -r requirements/base.lock && pip install --no-deps .
COPY . .
# DEBUG is off by default. collectstatic signs nothing: the key exists only in this build
# step; the containers get SECRET_KEY from .env (docker-compose.yml) or fail to start.
RUN SECRET_KEY=build-only-not-a-secret python manage.py collectstatic --noinput \
    && useradd --system --uid 1000 registry && chown -R registry /app
USER registry

EXPOSE 8000
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "4", "--access-logfile", "-"]
