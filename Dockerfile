# Production image: gunicorn for the web, the same image runs the Celery worker and beat.
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 VAR_DIR=/app/var
RUN apt-get update && apt-get install -y --no-install-recommends gettext \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY pyproject.toml README.md ./
COPY lublin2030 lublin2030
COPY stages stages
COPY opinions opinions
COPY workgroups workgroups
RUN pip install --no-cache-dir .
COPY . .
# collectstatic needs settings, not a real database or secret; the real ones come at run time.
RUN SECRET_KEY=build-only DATABASE_URL=sqlite:////tmp/build.sqlite3 \
    python manage.py collectstatic --noinput --verbosity 0 \
    && SECRET_KEY=build-only python manage.py compilemessages --ignore=/usr
RUN useradd --create-home --uid 1000 portal && mkdir -p /app/var && chown -R portal /app/var
USER portal
EXPOSE 8000
CMD ["gunicorn", "lublin2030.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
