#!/bin/sh
# Regenerates the hashed lock files from pyproject.toml (`make lock`):
#   requirements/runtime.txt  the project's dependencies: what the Docker image installs with
#                             pip install --require-hashes --no-deps -r requirements/runtime.txt
#   requirements/test.txt     those and the `test` extra, pinned to the same versions (CI)
# pip-tools runs in a venv of its own (LOCK_VENV, under the git-ignored var/), never in .venv.
# Existing pins are kept; LOCK_ARGS=--upgrade (or --upgrade-package NAME) moves them.
# The files must record no index, mirror or local path: only names, versions and hashes.
set -eu
cd "$(dirname "$0")/.."

python=${PYTHON:-python3}
venv=${LOCK_VENV:-var/lock-venv}
if [ ! -x "$venv/bin/pip-compile" ]; then
  "$python" -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --upgrade pip "pip-tools>=7.4,<8"
fi

compile() {
  # $1 output file, then extra pip-compile arguments. CUSTOM_COMPILE_COMMAND is what the
  # file's header tells a reader to run.
  out=$1; shift
  # shellcheck disable=SC2086  # LOCK_ARGS: several words on purpose
  CUSTOM_COMPILE_COMMAND="make lock" "$venv/bin/pip-compile" --quiet \
    --generate-hashes --allow-unsafe --strip-extras \
    --no-emit-index-url --no-emit-trusted-host --no-emit-find-links --no-emit-options \
    --output-file "$out" ${LOCK_ARGS:-} "$@" pyproject.toml
}

mkdir -p requirements
compile requirements/runtime.txt
compile requirements/test.txt --extra test --constraint requirements/runtime.txt

# No URL (an index, a mirror, a VCS or file link) and no absolute or home path may be recorded.
if grep -nE '[a-zA-Z][a-zA-Z0-9+.-]*://|(^|[[:space:]=])(/|~/|\./|\.\./)[^[:space:]]' \
    requirements/runtime.txt requirements/test.txt; then
  echo "lock: the lines above record a URL or a local path; not keeping them" >&2
  exit 1
fi
echo "lock: requirements/runtime.txt and requirements/test.txt are up to date"
