#!/usr/bin/env bash
# Writes docs/stages/NAME.md for every built-in stage from its manifest,
# using the built mtrec (swift build first).
set -euo pipefail
cd "$(dirname "$0")/.."
mtrec=${MTREC:-.build/debug/mtrec}
mkdir -p docs/stages
for manifest in stages/*.yaml; do
  name=$(basename "$manifest" .yaml)
  {
    echo "# $name"
    echo
    echo "Generated from [stages/$name.yaml](../../stages/$name.yaml) by scripts/stage-docs.sh."
    echo
    echo '```'
    (cd /tmp && "$OLDPWD/$mtrec" stages "$name")
    echo '```'
    # Hand-written notes beside the manifest (definitions, examples).
    if [ -f "stages/$name.md" ]; then echo; cat "stages/$name.md"; fi
  } > "docs/stages/$name.md"
done
