#!/usr/bin/env bash
# Browser end-to-end tests of the web app against the built binary, in
# Debian's Chromium (installed here if missing). Also runs the web app's
# unit tests and checks its API client against this binary's OpenAPI
# document. Screenshots go to test-artifacts/screenshots/.
#
#   test/e2e/run.sh            # everything
#   E2E_ONLY=1 test/e2e/run.sh # only the browser journeys
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
chromium=${CHROMIUM_PATH:-/usr/bin/chromium}

if [ ! -x "$chromium" ]; then
  echo "e2e: installing Debian's chromium"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq chromium fonts-dejavu-core fonts-noto-color-emoji >/dev/null
fi

cd "$repo"
mkdir -p bin test-artifacts/screenshots
echo "e2e: building the binary (with the committed webui/dist)"
CGO_ENABLED=0 go build -o bin/fechatter-e2e ./cmd/fechatter
export FECHATTER_BIN="$repo/bin/fechatter-e2e" CHROMIUM_PATH="$chromium"

if [ -z "${E2E_ONLY:-}" ]; then
  echo "e2e: web app type check (tests included), unit tests and the OpenAPI check of its client"
  (cd webui && npm ci --no-audit --no-fund --loglevel=error && npm run -s typecheck && npx vitest run)
fi

echo "e2e: browser journeys"
cd "$here"
npm ci --no-audit --no-fund --loglevel=error
# Every *.test.mjs file is a set of journeys with a server of its own.
node --test --test-concurrency=1 --test-timeout=300000 ./*.test.mjs

if [ -n "${DOCS_SCREENSHOTS:-}" ]; then
  echo "e2e: documentation screenshots into docs/screenshots/"
  node docs-screenshots.mjs
fi
