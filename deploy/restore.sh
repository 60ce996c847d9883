#!/bin/sh
# Restores a folder written by deploy/backup.sh (`make restore BACKUP=var/backups/<time>`)
# into DATABASE_URL and MEDIA_ROOT (the same defaults as backup.sh).
# Stop the web server, the worker and beat first. The database is restored in one
# transaction (PostgreSQL: pg_restore --clean --if-exists; objects the dump does not have
# stay, so restore into an empty database to get exactly the backup); MEDIA_ROOT's contents
# are replaced by the archive's only once the database is restored. At a terminal it asks
# before overwriting; RESTORE_YES=1 does not ask.
set -eu

if [ $# -ne 1 ] || [ ! -d "$1" ]; then
  echo "usage: $0 BACKUP_FOLDER (one written by deploy/backup.sh)" >&2
  exit 2
fi
backup=$(cd "$1" && pwd)

root=$(cd "$(dirname "$0")/.." && pwd)
var_dir=${VAR_DIR:-$root/var}
media_root=${MEDIA_ROOT:-$var_dir/media}
database_url=${DATABASE_URL:-sqlite:///$var_dir/lublin2030.sqlite3}
python=${PYTHON:-python3}

(cd "$backup" && sha256sum --check --quiet SHA256SUMS) || {
  echo "restore: $backup does not match its SHA256SUMS; nothing restored" >&2
  exit 1
}

case $database_url in
  postgres://* | postgresql://* | pgsql://*) kind=postgresql; dump=database.dump ;;
  sqlite://*) kind=sqlite; dump=database.sqlite3 ;;
  *) echo "restore: DATABASE_URL is neither PostgreSQL nor SQLite" >&2; exit 1 ;;
esac
if [ ! -f "$backup/$dump" ]; then
  echo "restore: $backup has no $dump for a $kind DATABASE_URL" >&2
  exit 1
fi

if [ -t 0 ] && [ "${RESTORE_YES:-0}" != 1 ]; then
  printf 'Replace the %s database and %s with %s? [y/N] ' "$kind" "$media_root" "$backup"
  read -r answer
  case $answer in y | Y | yes) ;; *) echo "restore: nothing done"; exit 1 ;; esac
fi

if [ "$kind" = postgresql ]; then
  url=postgresql://${database_url#*://}
  pg_restore --clean --if-exists --no-owner --no-privileges --single-transaction \
    --exit-on-error --dbname="$url" "$backup/$dump"
else
  path=${database_url#sqlite://}
  path=${path#/}  # sqlite:////abs/path is absolute, sqlite:///rel/path relative
  mkdir -p "$(dirname "$path")"
  "$python" - "$backup/$dump" "$path" <<'PY'
import sqlite3, sys
source, target = (sqlite3.connect(name) for name in sys.argv[1:3])
with target:
    source.backup(target)
PY
fi

# The folder itself stays (it may be a volume's mount point): only its contents change.
mkdir -p "$media_root"
find "$media_root" -mindepth 1 -maxdepth 1 -exec rm -rf -- {} +
tar -C "$media_root" -xzf "$backup/media.tar.gz"
echo "restore: $kind database and media restored from $backup"
