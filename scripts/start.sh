#!/usr/bin/env bash
# `npm start`: installs what is missing, then runs the whole platform in the foreground.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec node dist/scripts/launch.js
