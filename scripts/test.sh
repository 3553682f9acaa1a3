#!/usr/bin/env bash
# `npm test`: installs what is missing, checks types and lint, then runs every test against real
# PostgreSQL, NATS JetStream, Redis and MQTT (a test database of its own; ports chosen free at run time).
set -euo pipefail
cd "$(dirname "$0")/.."
export TEST_DATABASE_URL="${TEST_DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/iot_test}"
export TEST_REDIS_URL="${TEST_REDIS_URL:-redis://127.0.0.1:6379}"
DATABASE_URL="$TEST_DATABASE_URL" MQTT_SESSIONS_REDIS_URL="$TEST_REDIS_URL" bash scripts/setup.sh
echo "test: typecheck"
npx --no-install tsc -p tsconfig.json --noEmit
echo "test: lint and format"
npx --no-install eslint . --max-warnings 0
npx --no-install prettier --check . --log-level warn
echo "test: vitest"
report=$(mktemp)
status=0
npx --no-install vitest run --reporter=default --reporter=json --outputFile.json="$report" "$@" || status=$?
# One plain summary line that any CI can read.
node -e '
  const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  console.log(`${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests + r.numTodoTests} skipped`);
' "$report" || true
rm -f "$report"
exit "$status"
