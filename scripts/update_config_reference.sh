#!/usr/bin/env bash
# Rewrites the table of docs/configuration.md from the config declarations.
# usage: scripts/update_config_reference.sh [BUILD_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
doc=docs/configuration.md
head=$(sed '/^| key | type | default | meaning |$/,$d' "$doc")
{ printf '%s\n' "$head"; "$build/tools/h36m-train" --print-config-reference; } > "$doc.tmp"
mv "$doc.tmp" "$doc"
