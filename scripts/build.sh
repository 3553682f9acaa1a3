#!/usr/bin/env bash
# Builds the platform: Prisma clients generated per app, TypeScript compiled by SWC into dist/.
set -euo pipefail
cd "$(dirname "$0")/.."

# The Wasm schema engine's loader (@prisma/internals) looks for its binary in its own build/ folder.
mkdir -p node_modules/@prisma/internals/build
cp node_modules/@prisma/schema-engine-wasm/schema_engine_bg.wasm node_modules/@prisma/internals/build/

# `prisma generate` does not use the schema engine, but the CLI insists on finding one.
for schema in apps/*/prisma/schema.prisma; do
  PRISMA_SCHEMA_ENGINE_BINARY=/bin/true PRISMA_HIDE_UPDATE_MESSAGE=1 npx --no-install prisma generate --schema "$schema" >/dev/null
done

rm -rf dist
npx --no-install swc apps libs scripts bench -d dist --ignore '**/*.spec.ts' --ignore '**/*.int-test.ts' --ignore '**/*.d.ts' --quiet
echo "build: dist/ ready"
