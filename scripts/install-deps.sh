#!/usr/bin/env bash
# Installs the Debian packages mtrec builds against, when they are missing:
# libopenblas-dev (every matrix product goes through OpenBLAS) and libsqlite3-dev
# (the run history is an SQLite database), zlib1g-dev (collect reads .gz files
# in process); python3-venv lets the Argo export
# test install jsonschema in a virtualenv where Python lacks it.
set -euo pipefail
packages=(libopenblas-dev libsqlite3-dev zlib1g-dev pkg-config python3-venv)
missing=()
for package in "${packages[@]}"; do
  dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0
sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
echo "installing ${missing[*]}"
$sudo apt-get update -qq
$sudo apt-get install -y -qq "${missing[@]}"
