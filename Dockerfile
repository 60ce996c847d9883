# Production image: gunicorn for the web; the same image runs the Celery worker and beat.
# System packages come from deploy/system-packages.txt (its [runtime] section in the image,
# [build] in the build stage only), Python packages from the hashed lock
# requirements/runtime.txt (`make lock`), the project itself without dependencies.
# Debian 12 ("bookworm"): the release the package list names, and whose pg_dump (15) matches
# the compose file's PostgreSQL.
FROM python:3.11-slim-bookworm AS base
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1 \
    VIRTUAL_ENV=/opt/venv PATH=/opt/venv/bin:$PATH VAR_DIR=/app/var
COPY deploy/system-packages.txt deploy/system-packages.sh /opt/deploy/
RUN packages="$(sh /opt/deploy/system-packages.sh runtime)" \
    && apt-get update \
    && apt-get install -y --no-install-recommends $packages \
    && rm -rf /var/lib/apt/lists/*

FROM base AS build
RUN packages="$(sh /opt/deploy/system-packages.sh build)" \
    && apt-get update \
    && apt-get install -y --no-install-recommends $packages \
    && rm -rf /var/lib/apt/lists/*
RUN python -m venv /opt/venv
COPY requirements/runtime.txt /tmp/runtime.txt
RUN pip install --no-cache-dir --require-hashes --no-deps -r /tmp/runtime.txt
WORKDIR /app
COPY . .
# The project itself (its dependencies are all in the lock); then the static files and the
# compiled translations. collectstatic needs settings, not a real database or secret: the
# real ones come at run time (the key below only satisfies the length check).
RUN pip install --no-cache-dir --no-deps . \
    && rm -rf build *.egg-info \
    && export SECRET_KEY=build-only-not-a-secret-build-only-not-a-secret-build-only \
       DATABASE_URL=sqlite:////tmp/build.sqlite3 \
    && python manage.py collectstatic --noinput --verbosity 0 \
    && python manage.py compilemessages --verbosity 0 \
    && rm -rf /tmp/build.sqlite3 /app/var/celery /app/var/cache

FROM base
COPY --from=build /opt/venv /opt/venv
COPY --from=build /app /app
WORKDIR /app
# The app writes only under /app/var: media (the compose file's volume; it takes this
# folder's owner when first created), beat's schedule, the filesystem broker without Redis.
RUN useradd --create-home --uid 1000 portal \
    && mkdir -p /app/var/media \
    && chown portal /app/var /app/var/media
USER portal
EXPOSE 8000
# Workers: gunicorn.conf.py (one sync worker per CPU; WEB_CONCURRENCY overrides).
CMD ["gunicorn", "lublin2030.wsgi", "--bind", "0.0.0.0:8000", "--access-logfile", "-"]
