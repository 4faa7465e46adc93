#!/usr/bin/env bash
# Start-up benchmark: for each binary, interleaved, RUNS times: exec of
# `fechatter serve` to the first 200 of GET /readyz (ms), then RssAnon and
# RssFile (KiB) after IDLE seconds idle. A fresh data dir per run, or
# DATA_DIR (a populated one, reused: every run after the first is a
# restart of that dir). Prints one line per run, then median and range
# per binary, with the load average before and after.
#
#   tools/startup-bench.sh bin/fechatter /tmp/fechatter-before
#   RUNS=7 DATA_DIR=/tmp/pop tools/startup-bench.sh bin/fechatter /tmp/fechatter-before
set -euo pipefail
RUNS=${RUNS:-5}
IDLE=${IDLE:-2}
PORT=${PORT:-18081}
[ $# -ge 1 ] || { echo "usage: $0 BINARY..." >&2; exit 2; }
out=$(mktemp)
trap 'rm -f "$out"' EXIT

echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
for run in $(seq "$RUNS"); do
	for bin in "$@"; do
		dir=${DATA_DIR:-$(mktemp -d)}
		s=$(date +%s%N)
		"$bin" serve --data-dir "$dir" --listen "127.0.0.1:$PORT" >"$dir.log" 2>&1 &
		pid=$!
		until curl -sf "127.0.0.1:$PORT/readyz" >/dev/null 2>&1; do
			kill -0 "$pid" 2>/dev/null || { echo "$bin exited; see $dir.log" >&2; exit 1; }
			sleep 0.005
		done
		ms=$((($(date +%s%N) - s) / 1000000))
		sleep "$IDLE"
		anon=$(awk '/^RssAnon/ {print $2}' "/proc/$pid/status")
		file=$(awk '/^RssFile/ {print $2}' "/proc/$pid/status")
		kill -TERM "$pid"
		wait "$pid" || true
		[ -n "${DATA_DIR:-}" ] || rm -rf "$dir" "$dir.log"
		printf '%s\t%d\t%d\t%d\t%s\n' "$bin" "$ms" "$anon" "$file" "$(cut -d' ' -f1 /proc/loadavg)" | tee -a "$out"
	done
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
med() { sort -n | awk '{ v[NR] = $1 } END { m = int((NR + 1) / 2); printf "%s [%s-%s]", v[m], v[1], v[NR] }'; }
echo "binary: ready ms, RssAnon KiB, RssFile KiB: median [min-max]"
for bin in "$@"; do
	rows=$(awk -F'\t' -v b="$bin" '$1 == b' "$out")
	echo "$bin: ready $(cut -f2 <<<"$rows" | med) ms, RssAnon $(cut -f3 <<<"$rows" | med) KiB, RssFile $(cut -f4 <<<"$rows" | med) KiB"
done
