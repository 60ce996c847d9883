#!/bin/sh
# Runs a command and starts it again whenever it exits, so a Celery worker that dies under
# `make run` (honcho, Procfile) comes back instead of taking the web server down with it.
#   sh deploy/supervise.sh celery -A lublin2030 worker --loglevel INFO
# SIGTERM, SIGINT or SIGHUP (honcho's Ctrl-C sends SIGTERM to the process group) stop it: the
# signal is passed on to the command, which is waited for, and nothing is started again.
# A command that dies soon after starting is restarted after a growing pause (1 s doubling
# to SUPERVISE_MAX_DELAY, 60 s), reset once a run lasts SUPERVISE_STABLE_SECONDS (30 s).
set -u

if [ $# -eq 0 ]; then
  echo "usage: $0 COMMAND [ARG...]" >&2
  exit 2
fi

max_delay=${SUPERVISE_MAX_DELAY:-60}
stable=${SUPERVISE_STABLE_SECONDS:-30}
delay=1
stopping=0
child=""

stop() {
  stopping=1
  if [ -n "$child" ]; then
    kill -TERM "$child" 2>/dev/null
  fi
}
trap stop TERM INT HUP

while :; do
  started=$(date +%s)
  "$@" &
  child=$!
  # A trapped signal ends `wait` early: wait again until the command has really exited.
  wait "$child"
  status=$?
  while kill -0 "$child" 2>/dev/null; do
    wait "$child"
    status=$?
  done
  child=""
  if [ "$stopping" = 1 ]; then
    exit "$status"
  fi

  if [ $(($(date +%s) - started)) -ge "$stable" ]; then
    delay=1
  fi
  echo "supervise: '$*' exited with status $status; starting it again in ${delay}s" >&2
  sleep "$delay" &
  child=$!
  wait "$child"
  child=""
  if [ "$stopping" = 1 ]; then
    exit "$status"
  fi
  delay=$((delay * 2))
  if [ "$delay" -gt "$max_delay" ]; then
    delay=$max_delay
  fi
done
