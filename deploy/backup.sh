#!/bin/sh
# Backs up the portal's data (`make backup`): the database and the uploaded and generated
# files, into a new folder BACKUP_DIR/<UTC time>/ (BACKUP_DIR: $VAR_DIR/backups):
#   database.dump     pg_dump of DATABASE_URL, custom format (pg_restore reads it)
#   database.sqlite3  instead, when DATABASE_URL is SQLite (its default): a consistent copy
#   media.tar.gz      MEDIA_ROOT ($VAR_DIR/media)
#   SHA256SUMS        checked by deploy/restore.sh before it touches anything
# The folder appears only once complete, readable by its owner only (it holds personal
# data). Its path is the last line printed. Defaults are the settings' own: VAR_DIR is var/
# in the checkout. pg_dump must be at least the server's version (Debian 12: 15).
set -eu
umask 077

root=$(cd "$(dirname "$0")/.." && pwd)
var_dir=${VAR_DIR:-$root/var}
media_root=${MEDIA_ROOT:-$var_dir/media}
database_url=${DATABASE_URL:-sqlite:///$var_dir/lublin2030.sqlite3}
backup_dir=${BACKUP_DIR:-$var_dir/backups}
python=${PYTHON:-python3}

stamp=$(date -u +%Y%m%dT%H%M%SZ)
target=$backup_dir/$stamp
partial=$backup_dir/.$stamp.partial
mkdir -p "$backup_dir"
if [ -e "$target" ]; then
  echo "backup: $target already exists" >&2
  exit 1
fi
rm -rf "$partial"
mkdir "$partial"
trap 'rm -rf "$partial"' EXIT

case $database_url in
  postgres://* | postgresql://* | pgsql://*)
    # libpq takes the URL itself; dj-database-url's other scheme names are its own.
    url=postgresql://${database_url#*://}
    pg_dump --format=custom --no-owner --no-privileges --file="$partial/database.dump" \
      --dbname="$url"
    kind=postgresql
    ;;
  sqlite://*)
    path=${database_url#sqlite://}
    path=${path#/}  # sqlite:////abs/path is absolute, sqlite:///rel/path relative
    if [ ! -f "$path" ]; then
      echo "backup: no SQLite database at $path" >&2
      exit 1
    fi
    # SQLite's online backup: a consistent copy even while the portal writes.
    "$python" - "$path" "$partial/database.sqlite3" <<'PY'
import sqlite3, sys
source, target = (sqlite3.connect(name) for name in sys.argv[1:3])
with target:
    source.backup(target)
PY
    kind=sqlite
    ;;
  *)
    echo "backup: DATABASE_URL is neither PostgreSQL nor SQLite" >&2
    exit 1
    ;;
esac

if [ -d "$media_root" ]; then
  tar -C "$media_root" -czf "$partial/media.tar.gz" .
else
  echo "backup: no MEDIA_ROOT folder ($media_root); the archive is empty" >&2
  tar -czf "$partial/media.tar.gz" -T /dev/null
fi

(cd "$partial" && sha256sum -- * > SHA256SUMS)
{
  echo "created: $stamp"
  echo "database: $kind"
  if [ "$kind" = postgresql ]; then pg_dump --version; fi
  git -C "$root" rev-parse HEAD 2>/dev/null | sed 's/^/commit: /' || true
} > "$partial/README.txt"
mv "$partial" "$target"
trap - EXIT
echo "backup: database ($kind) and media saved in"
echo "$target"
