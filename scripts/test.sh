#!/usr/bin/env bash
# `npm test`: installs what is missing, checks types and lint, then runs every test against real
# PostgreSQL, NATS JetStream and MQTT (a test database of its own; ports chosen free at run time).
set -euo pipefail
cd "$(dirname "$0")/.."
export TEST_DATABASE_URL="${TEST_DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/iot_test}"
DATABASE_URL="$TEST_DATABASE_URL" bash scripts/setup.sh
npx --no-install tsc -p tsconfig.json --noEmit
npx --no-install eslint . --max-warnings 0
npx --no-install vitest run "$@"
