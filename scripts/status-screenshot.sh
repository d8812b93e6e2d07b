#!/usr/bin/env bash
# Takes a screenshot of the /status page with headless Chromium (Debian's `chromium`).
#
#   scripts/status-screenshot.sh [OUTPUT.png]
#
# Runs `avala-bot demo --keep-running` (the three jobs against the embedded simulator), waits until the
# scenario is done, captures https://127.0.0.1:PORT/status, then stops the demo. The demo's certificate
# is made on the spot, so Chromium is told to accept it.
set -euo pipefail
cd "$(dirname "$0")/.."
output="${1:-status.png}"
command -v chromium >/dev/null || { echo "chromium is not installed (apt-get install chromium)" >&2; exit 1; }

swift build --product avala-bot >/dev/null
log="$(mktemp)"
.build/debug/avala-bot demo --keep-running >"$log" 2>&1 &
demo=$!
trap 'kill "$demo" 2>/dev/null || true; wait "$demo" 2>/dev/null || true; rm -f "$log"' EXIT

for _ in $(seq 1 300); do
    grep -q "Still running" "$log" && break
    kill -0 "$demo" 2>/dev/null || { cat "$log" >&2; echo "the demo stopped early" >&2; exit 1; }
    sleep 0.1
done
url="$(grep -o 'https://127.0.0.1:[0-9]*/status' "$log" | head -1)"
[ -n "$url" ] || { cat "$log" >&2; echo "no /status URL in the demo's output" >&2; exit 1; }

chromium --headless --no-sandbox --disable-gpu --ignore-certificate-errors --hide-scrollbars \
    --window-size=1280,1100 --screenshot="$output" "$url" 2>/dev/null
echo "wrote $output from $url"
