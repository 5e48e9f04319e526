#!/usr/bin/env bash
# Renders an mtrec HTML report to a PNG with headless Chromium (Debian's
# chromium package, installed when missing), to check how the page looks.
# Usage: scripts/report-screenshot.sh report.html report.png
set -euo pipefail
html=$(realpath "$1")
png=${2:-${1%.html}.png}
if ! command -v chromium >/dev/null 2>&1; then
  sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq && $sudo apt-get install -y -qq chromium
fi
chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1100,2400 \
  --screenshot="$png" "file://$html" 2>/dev/null
echo "wrote $png"
