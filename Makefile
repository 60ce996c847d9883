# Two commands from a fresh machine (Python 3.11 is all it needs):
#   make run    install, migrate, load the Lublin 2030 process and demo data, start web + worker + beat
#   make test   install the test dependencies and run the whole suite
# With DATABASE_URL and REDIS_URL set, both use PostgreSQL and Redis instead of SQLite and files.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

# A per-checkout key for local runs, kept under the git-ignored var/ (never in the repository).
SECRET_FILE := var/secret-key
# They serve plain HTTP on loopback, so the HTTPS-only defaults are turned off for them.
LOCAL_ENV = SECRET_KEY="$${SECRET_KEY:-$$(cat $(SECRET_FILE))}" ALLOWED_HOSTS="$${ALLOWED_HOSTS:-127.0.0.1,localhost,testserver}" \
	SECURE_SSL_REDIRECT="$${SECURE_SSL_REDIRECT:-0}" SECURE_COOKIES="$${SECURE_COOKIES:-0}" SECURE_HSTS_SECONDS="$${SECURE_HSTS_SECONDS:-0}"

.PHONY: run dev test check bench eval install install-test messages clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $@ $(VENV)/.installed

# `make run`'s own tools (honcho runs the Procfile): pyproject's `dev` extra, not in the image.
$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $@ $(VENV)/.installed

$(SECRET_FILE):
	mkdir -p var
	$(PYTHON) -c "import secrets; print(secrets.token_urlsafe(50))" > $@
	chmod 600 $@

install: $(VENV)/.installed $(SECRET_FILE)
install-test: $(VENV)/.installed-test $(SECRET_FILE)

run: install $(VENV)/.installed-dev
	$(LOCAL_ENV) $(BIN)/python manage.py migrate --noinput
	$(LOCAL_ENV) $(BIN)/python manage.py collectstatic --noinput --verbosity 0
	$(LOCAL_ENV) $(BIN)/python manage.py load_process
	$(LOCAL_ENV) $(BIN)/python manage.py seed_demo
	@echo "Portal: http://$(HOST):$(PORT)/   (Ctrl-C stops the web server, the worker and beat)"
	$(LOCAL_ENV) PORTAL_URL="$${PORTAL_URL:-http://$(HOST):$(PORT)}" WEB_HOST=$(HOST) WEB_PORT=$(PORT) PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/honcho start -f Procfile

# For developers: Django's auto-reloading server with DEBUG on (no worker).
dev: install
	DEBUG=1 $(BIN)/python manage.py migrate --noinput
	DEBUG=1 $(BIN)/python manage.py load_process
	DEBUG=1 $(BIN)/python manage.py seed_demo
	DEBUG=1 $(BIN)/python manage.py runserver $(HOST):$(PORT)

# Tests run against collected static files, as production does (hashed names, WhiteNoise).
test: install-test
	$(LOCAL_ENV) $(BIN)/python manage.py collectstatic --noinput --verbosity 0
	$(LOCAL_ENV) $(BIN)/python -m pytest $(PYTEST_ARGS)

# Lint, layers (import-linter, pyproject.toml), types, complexity, migrations and translations:
# what CI checks beside the tests. xenon fails on any function above grade C (cyclomatic
# complexity over 20), on any module averaging above B, and on the code base averaging above A.
check: install-test
	$(BIN)/ruff check .
	$(LOCAL_ENV) $(BIN)/lint-imports
	$(BIN)/ruff format --check .
	$(LOCAL_ENV) $(BIN)/mypy .
	$(BIN)/xenon --max-absolute C --max-modules B --max-average A --exclude "*/migrations/*" core stages opinions workgroups lublin2030
	$(LOCAL_ENV) $(BIN)/python manage.py makemigrations --check --dry-run
	$(LOCAL_ENV) $(BIN)/python manage.py compilemessages --ignore=.venv

bench: install-test
	$(LOCAL_ENV) $(BIN)/python bench/run.py $(BENCH_ARGS)

# The text analysis measured on hand-labelled data (evaluation/fixtures/): lemma accuracy,
# search recall and precision, the area classifier's cross-validated accuracy and calibration,
# the sub-themes' quality. Prints each figure beside its target; fails if one is missed.
eval: install-test
	$(LOCAL_ENV) $(BIN)/python evaluation/run.py

messages: install
	$(LOCAL_ENV) $(BIN)/python manage.py makemessages -l pl --ignore=.venv --ignore=var --ignore=tests --ignore=bench
	$(LOCAL_ENV) $(BIN)/python manage.py compilemessages --ignore=.venv

clean:
	rm -rf $(VENV) var

.PHONY: lock backup restore

# The hashed lock files the image installs (requirements/runtime.txt; requirements/test.txt
# for CI), from pyproject.toml with pip-tools in a venv of its own under var/. Existing pins
# stay; `make lock LOCK_ARGS=--upgrade` (or --upgrade-package NAME) moves them.
lock:
	PYTHON=$(PYTHON) LOCK_ARGS="$(LOCK_ARGS)" sh deploy/lock.sh

# The database (pg_dump, custom format; a copy of the SQLite file without DATABASE_URL) and
# a tar of MEDIA_ROOT, into a new folder var/backups/<UTC time>/ (or under BACKUP_DIR).
backup:
	sh deploy/backup.sh

# Puts a backup back: make restore BACKUP=var/backups/<time> (stop the portal first).
restore:
	@test -n "$(BACKUP)" || { echo "usage: make restore BACKUP=var/backups/<folder>" >&2; exit 2; }
	sh deploy/restore.sh "$(BACKUP)"
