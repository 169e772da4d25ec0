#!/bin/sh
# bench:ingest drives its saturated phase with wrk, from Debian's package "wrk": installs it when it is missing.
set -eu
if command -v wrk >/dev/null 2>&1; then exit 0; fi
if [ "$(id -u)" -eq 0 ]; then as_root=""; else as_root="sudo"; fi
echo "wrk is not installed: installing Debian's package wrk" >&2
$as_root apt-get update -qq
DEBIAN_FRONTEND=noninteractive $as_root apt-get install -y -qq wrk >&2
