#!/usr/bin/env bash
# Rebuilds the web app and fails when the committed webui/dist differs from
# the fresh build (CI runs this; the binary embeds dist, so a stale copy
# would ship an old app). The build is deterministic: same sources and
# lockfile, same bytes.
set -euo pipefail
cd "$(dirname "$0")"
npm ci --no-audit --no-fund --loglevel=error
npm run build
stale=$( { git diff --name-only -- dist; git ls-files --others --exclude-standard -- dist; } | sort -u)
if [ -n "$stale" ]; then
  echo "webui/dist is stale. Run 'npm ci && npm run build' in webui/ and commit dist. Differences:" >&2
  echo "$stale" >&2
  exit 1
fi
echo "webui/dist is up to date"
