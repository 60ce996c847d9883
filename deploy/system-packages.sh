#!/bin/sh
# Prints the packages of the given sections of deploy/system-packages.txt, one a line.
#   deploy/system-packages.sh runtime build          every package of both sections
#   deploy/system-packages.sh --missing runtime ci   only those dpkg does not have installed
# An unknown section is an error, so a typo cannot silently install nothing.
set -eu

list=${SYSTEM_PACKAGES_FILE:-$(dirname "$0")/system-packages.txt}
missing=0
if [ "${1:-}" = "--missing" ]; then
  missing=1
  shift
fi
if [ $# -eq 0 ]; then
  echo "usage: $0 [--missing] SECTION..." >&2
  exit 2
fi

packages=$(awk -v wanted="$*" '
  BEGIN { n = split(wanted, want, " "); for (i = 1; i <= n; i++) asked[want[i]] = 1 }
  { sub(/#.*/, ""); gsub(/[ \t\r]+/, "") }
  $0 == "" { next }
  /^\[[a-z0-9_-]+\]$/ { section = substr($0, 2, length($0) - 2); seen[section] = 1; next }
  section == "" { print "system-packages: \"" $0 "\" is in no section" > "/dev/stderr"; bad = 1; next }
  section in asked { print }
  END {
    for (s in asked) if (!(s in seen)) { print "system-packages: no section [" s "]" > "/dev/stderr"; bad = 1 }
    exit bad
  }
' "$list")

for package in $packages; do
  if [ "$missing" = 1 ] &&
    dpkg-query -W -f='${db:Status-Abbrev}' "$package" 2>/dev/null | grep -q '^ii'; then
    continue
  fi
  echo "$package"
done
