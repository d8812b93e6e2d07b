#!/usr/bin/env bash
# Webhook listener benchmark (issue 4 §8), loopback only, one run, three servers:
#   (a) BareTLSServer: a bare Hummingbird TLS route that reads the body and answers 200 — the ceiling;
#   (a′) the same route appending each body to a file, group-committed, 202 after the fdatasync — the
#        ceiling for any server that acknowledges durably (not required by the issue; it shows the room);
#   (b) `avala-bot run`: TLS + avala signature + durable SQLite ingest, answering 202 — the real path;
#   (c) adnanh/webhook (Debian `webhook`) with an HMAC-SHA256 rule, running /bin/true — a peer.
# Saturation: wrk -t1 -c32 -d10s (wrk takes one of the two cores, so each server gets about one).
# Latency at a fixed 1,000 requests/s: h2load --h1 -n 30000 -c 16 --rps 63 (Debian's wrk cannot hold a rate).
# Prints a markdown table; everything it starts is stopped on exit.
#
# Usage: Benchmarks/listener/run.sh            (from anywhere)
#   SKIP_BUILD=1      reuse the release binaries already built
#   KEEP_WORK=1       keep the temporary directory (certificate, configs, databases, logs)
#   DURATION=10s      wrk duration
#   ROUNDS=3          saturation rounds; (a), (a′) and (b) take turns, and the report gives each one's median
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
BENCH_PACKAGE=$(cd "$HERE/.." && pwd)
REPO=$(cd "$BENCH_PACKAGE/.." && pwd)

DURATION=${DURATION:-10s}
# The host is shared and a single measurement moves by about 20 %: (a) and (b) are measured in turns,
# several times, so both see the same background load, and the report uses medians.
ROUNDS=${ROUNDS:-3}
WARMUP=3s
CONNECTIONS=32
# 16 clients × 63 requests/s ≈ 1,008 requests/s; 30,000 requests ≈ 30 s, as FACTS.md measures it.
RATE_CLIENTS=16
RATE_PER_CLIENT=63
RATE_REQUESTS=30000
# Fixed high ports on 127.0.0.1 only; the script refuses to start if one is taken.
PORT_A=19441
PORT_B=19442
PORT_C=19443
PORT_D=19444
WEBHOOK_PATH=/webhooks/avala

WORK=$(mktemp -d /tmp/listener-bench.XXXXXX)
PIDS=()

# Stops only the processes this script started, by pid: SIGTERM first (avala-bot drains on it), then
# SIGKILL for anything still alive after a few seconds.
cleanup() {
    local pid waited
    for pid in "${PIDS[@]}"; do
        kill -TERM "$pid" 2>/dev/null || true
    done
    for pid in "${PIDS[@]}"; do
        waited=0
        while kill -0 "$pid" 2>/dev/null && [ "$waited" -lt 50 ]; do
            sleep 0.1
            waited=$((waited + 1))
        done
        kill -KILL "$pid" 2>/dev/null || true
    done
    if [ "${KEEP_WORK:-0}" = 1 ]; then
        echo "work directory kept: $WORK" >&2
    else
        rm -rf "$WORK"
    fi
}
trap cleanup EXIT

log() { echo "==> $*" >&2; }
die() {
    echo "error: $*" >&2
    exit 1
}

# --- Tools -------------------------------------------------------------------------------------------
# apt packages, installed only when missing: wrk (saturation), nghttp2-client (h2load, fixed rate),
# webhook (the peer), openssl (certificate, signature), curl (checks), sqlite3 (counting stored events).
need=()
command -v wrk >/dev/null || need+=(wrk)
command -v h2load >/dev/null || need+=(nghttp2-client)
command -v webhook >/dev/null || need+=(webhook)
command -v openssl >/dev/null || need+=(openssl)
command -v curl >/dev/null || need+=(curl)
command -v sqlite3 >/dev/null || need+=(sqlite3)
if [ "${#need[@]}" -gt 0 ]; then
    log "installing ${need[*]}"
    SUDO=()
    [ "$(id -u)" = 0 ] || SUDO=(sudo)
    "${SUDO[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get install -y -qq "${need[@]}" >/dev/null
fi

for port in "$PORT_A" "$PORT_B" "$PORT_C" "$PORT_D"; do
    if ss -ltnH "sport = :$port" | grep -q .; then die "port $port is in use"; fi
done

# --- Builds ------------------------------------------------------------------------------------------
# The main package's release build goes to its own scratch path: /work/main/.build belongs to the
# debug build someone else uses.
if [ "${SKIP_BUILD:-0}" != 1 ]; then
    log "building avala-bot (release)"
    swift build -c release --product avala-bot --package-path "$REPO" --scratch-path "$REPO/.build-release" >&2
    log "building BareTLSServer (release)"
    swift build -c release --product BareTLSServer --package-path "$BENCH_PACKAGE" >&2
fi
AVALA_BOT="$(swift build -c release --package-path "$REPO" --scratch-path "$REPO/.build-release" --show-bin-path)/avala-bot"
BARE="$(swift build -c release --package-path "$BENCH_PACKAGE" --show-bin-path)/BareTLSServer"
[ -x "$AVALA_BOT" ] || die "$AVALA_BOT not built"
[ -x "$BARE" ] || die "$BARE not built"

# --- Fixtures ----------------------------------------------------------------------------------------
# A throwaway certificate: the SAN must list localhost and 127.0.0.1 (FACTS.md), curl checks against it.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 \
    -keyout "$WORK/tls.key" -out "$WORK/tls.crt" -subj "/CN=localhost" \
    -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" 2>/dev/null
chmod 600 "$WORK/tls.key"

SECRET="bench-$(openssl rand -hex 16)"
# About 1 KB of JSON, as in FACTS.md's measurements; the event type comes from the header.
{
    printf '{"event":"bench.ping","sent_at":"2026-12-01T00:00:00Z","payload":{"note":"'
    head -c 900 /dev/zero | tr '\0' 'x'
    printf '","n":42}}'
} >"$WORK/body.json"
SIGNATURE=$(openssl dgst -sha256 -hmac "$SECRET" -hex <"$WORK/body.json" | awk '{print $NF}')
export BENCH_BODY_FILE="$WORK/body.json" BENCH_SIGNATURE="$SIGNATURE"

# Starts a server in the background, records its pid, waits until its TLS port answers anything.
start() {
    local name=$1 port=$2
    shift 2
    "$@" >"$WORK/$name.log" 2>&1 &
    PIDS+=($!)
    local tries=0
    until [ "$(curl -s -o /dev/null -w '%{http_code}' --cacert "$WORK/tls.crt" "https://127.0.0.1:$port/" || true)" != 000 ]; do
        kill -0 "${PIDS[-1]}" 2>/dev/null || die "$name exited; see its log:$(echo; cat "$WORK/$name.log")"
        tries=$((tries + 1))
        [ "$tries" -lt 100 ] || die "$name did not listen on $port within 10 s"
        sleep 0.1
    done
}

# Stops the last started server (same SIGTERM-then-SIGKILL as cleanup) and forgets its pid.
stop_last() {
    local pid=${PIDS[-1]} waited=0
    kill -TERM "$pid" 2>/dev/null || true
    while kill -0 "$pid" 2>/dev/null && [ "$waited" -lt 100 ]; do
        sleep 0.1
        waited=$((waited + 1))
    done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    unset 'PIDS[-1]'
}

# wrk at saturation; prints "rps p99_ms requests warmup_requests" (from post.lua's RESULT line). A short warm-up run
# first (page cache, allocator, SQLite's WAL), with its own delivery-id prefix.
saturate() {
    local name=$1 url=$2 result
    BENCH_PREFIX="$name-warmup" wrk -t1 -c"$CONNECTIONS" -d"$WARMUP" -s "$HERE/post.lua" "$url" >"$WORK/$name.warmup.txt"
    BENCH_PREFIX="$name-run" wrk -t1 -c"$CONNECTIONS" -d"$DURATION" --latency -s "$HERE/post.lua" "$url" >"$WORK/$name.wrk.txt"
    cat "$WORK/$name.wrk.txt" >&2
    result=$(grep '^RESULT' "$WORK/$name.wrk.txt") || die "$name: no RESULT line from wrk"
    local non2xx socket_errors
    non2xx=$(sed -E 's/.*non2xx=([0-9]+).*/\1/' <<<"$result")
    socket_errors=$(sed -E 's/.*socket_errors=([0-9]+).*/\1/' <<<"$result")
    [ "$non2xx" = 0 ] || die "$name: $non2xx answers were not 2xx"
    [ "$socket_errors" = 0 ] || log "$name: $socket_errors socket errors (see $name.wrk.txt)"
    local warmup_requests
    warmup_requests=$(sed -nE 's/^RESULT requests=([0-9]+).*/\1/p' "$WORK/$name.warmup.txt")
    sed -E "s/.*requests=([0-9]+) rps=([0-9.]+) p50_ms=([0-9.]+) p99_ms=([0-9.]+).*/\\2 \\4 \\1 $warmup_requests/" <<<"$result"
}

# h2load at a fixed ~1,000 requests/s; prints "p50_ms p99_ms achieved_rps" from its per-request log.
# h2load sends the same headers with every request, so it cannot vary the delivery id: its requests
# carry none, and an event with no delivery id and a type without a semantic key has no dedup key at
# all — still a new, durably stored event per request (checked below), one key insert cheaper.
fixed_rate() {
    local name=$1 url=$2
    h2load --h1 -n "$RATE_REQUESTS" -c "$RATE_CLIENTS" --rps "$RATE_PER_CLIENT" -d "$WORK/body.json" \
        -H "Content-Type: application/json" -H "X-Avala-Webhook-Event: bench.ping" \
        -H "X-Avala-Webhook-Signature: sha256=$SIGNATURE" \
        --log-file "$WORK/$name.h2load.tsv" "$url" >"$WORK/$name.h2load.txt"
    cat "$WORK/$name.h2load.txt" >&2
    local achieved
    achieved=$(awk '/^finished in/ {print $4}' "$WORK/$name.h2load.txt")
    # Column 2 is the status, column 3 the microseconds until the end of the response.
    awk -v want="$3" '$2 != want {bad++} END {if (bad) {print bad " answers were not " want > "/dev/stderr"; exit 1}}' \
        "$WORK/$name.h2load.tsv" || die "$name: unexpected status under fixed rate"
    cut -f3 "$WORK/$name.h2load.tsv" | sort -n | awk -v rps="$achieved" '
        {v[NR] = $1}
        END {
            p50 = v[int(NR * 0.50 + 0.5)]; p99 = v[int(NR * 0.99 + 0.5)]
            printf "%.2f %.2f %s\n", p50 / 1000, p99 / 1000, rps
        }'
}

# Events in a store, for the checks that every answered request became a new stored event.
count_events() { sqlite3 "$1" "SELECT count(*) FROM events;"; }

# One POST with curl; prints the status code. $1: URL, $2: delivery id ("" for none).
post_once() {
    local headers=(-H "Content-Type: application/json" -H "X-Avala-Webhook-Event: bench.ping"
        -H "X-Avala-Webhook-Signature: sha256=$SIGNATURE")
    [ -z "$2" ] || headers+=(-H "X-Avala-Webhook-Delivery: $2")
    curl -s -o "$WORK/last-answer.txt" -w '%{http_code}' --cacert "$WORK/tls.crt" "${headers[@]}" \
        --data-binary "@$WORK/body.json" "$1"
}

# The measuring functions run in command substitutions, where `die` ends only the subshell: assigning the
# result first (not `read <<<"$(…)"`) lets set -e stop the script when one fails.
# --- (a) bare Hummingbird TLS ------------------------------------------------------------------------
log "(a) bare Hummingbird TLS route"
URL_A="https://127.0.0.1:$PORT_A$WEBHOOK_PATH"
start bare "$PORT_A" "$BARE" "$WORK/tls.crt" "$WORK/tls.key" "$PORT_A" "$WEBHOOK_PATH"
[ "$(post_once "$URL_A" check-1)" = 200 ] || die "(a) did not answer 200"
result=$(fixed_rate bare "$URL_A" 200)
read -r A_RATE_P50 A_RATE_P99 A_RATE_RPS <<<"$result"
# (a) keeps running: its saturation rounds alternate with (a′)'s and (b)'s below.

# --- (a′) the bare route + a durable append ----------------------------------------------------------
log "(a′) bare route + durable append (group commit, fdatasync)"
URL_D="https://127.0.0.1:$PORT_D$WEBHOOK_PATH"
DURABLE_FILE="$WORK/durable-append.bin"
BARE_DURABLE_FILE="$DURABLE_FILE" start bare-durable "$PORT_D" "$BARE" "$WORK/tls.crt" "$WORK/tls.key" "$PORT_D" "$WEBHOOK_PATH"
[ "$(post_once "$URL_D" check-1)" = 202 ] || die "(a′) did not answer 202"
BODY_BYTES=$(stat -c %s "$WORK/body.json")
[ "$(stat -c %s "$DURABLE_FILE")" = "$BODY_BYTES" ] || die "(a′) answered before the body was in its file"

# --- (b) avala-bot run -------------------------------------------------------------------------------
# The listener as configured in production, except: loopback bind, the per-IP limit lifted (every request
# comes from 127.0.0.1, and 50/s would answer 429), no pollers (no API calls), no rules (the dispatcher
# still claims and finishes every event), a short shutdown grace so the script ends quickly.
bot_config() {
    cat <<EOF
api:
  base_url: "https://api.avala.ai/api/v1"
listener:
  bind: "127.0.0.1:$PORT_B"
  path: $WEBHOOK_PATH
  verify: { scheme: avala, secrets: ["\${AVALA_WEBHOOK_SECRET}"], tolerance: 5m }
  tls: { cert: "$WORK/tls.crt", key: "$WORK/tls.key", min_version: "1.2" }
  per_ip: { rate_per_second: 1000000, burst: 1000000 }
store:
  sqlite: "$1"
dispatcher:
  shutdown_grace: 2s
plugins:
  log: {}
rules: []
log:
  level: info
  format: logfmt
EOF
}
export AVALA_WEBHOOK_SECRET="$SECRET" AVALA_API_KEY="unused-by-the-benchmark"
URL_B="https://127.0.0.1:$PORT_B$WEBHOOK_PATH"

# Latency first, on a fresh store, so no backlog from the saturation run sits in the dispatcher.
log "(b) avala-bot run: checks and latency at 1,000 requests/s"
mkdir -p "$WORK/b-rate" "$WORK/b-sat"
bot_config "$WORK/b-rate/avala-bot.sqlite" >"$WORK/b-rate/avala-bot.yaml"
"$AVALA_BOT" check-config --config "$WORK/b-rate/avala-bot.yaml" >&2 || die "(b) config rejected"
start bot-rate "$PORT_B" "$AVALA_BOT" run --config "$WORK/b-rate/avala-bot.yaml"
# Before measuring: a new delivery is 202, the same delivery again is 200 duplicate (so the unique
# delivery ids in post.lua matter), and a request without a delivery id (what h2load sends) is 202
# every time.
CHECK_ID="check-$(openssl rand -hex 4)"
status=$(post_once "$URL_B" "$CHECK_ID")
[ "$status" = 202 ] || die "(b) first delivery answered $status: $(cat "$WORK/last-answer.txt")"
status=$(post_once "$URL_B" "$CHECK_ID")
if [ "$status" != 200 ] || ! grep -q duplicate "$WORK/last-answer.txt"; then
    die "(b) redelivery answered $status, expected 200 duplicate"
fi
[ "$(post_once "$URL_B" "check-$(openssl rand -hex 4)")" = 202 ] || die "(b) second new delivery was not 202"
[ "$(post_once "$URL_B" "")" = 202 ] || die "(b) request without delivery id was not 202"
[ "$(post_once "$URL_B" "")" = 202 ] || die "(b) second request without delivery id was not 202"
bad_signature=$(curl -s -o /dev/null -w '%{http_code}' --cacert "$WORK/tls.crt" -H "X-Avala-Webhook-Event: bench.ping" \
    -H "X-Avala-Webhook-Signature: sha256=$(printf '0%.0s' {1..64})" --data-binary "@$WORK/body.json" "$URL_B")
[ "$bad_signature" = 401 ] || die "(b) a bad signature answered $bad_signature, expected 401"
log "(b) checks passed: 202 new, 200 duplicate, 202 without delivery id, 401 bad signature"
result=$(fixed_rate bot-rate "$URL_B" 202)
read -r B_RATE_P50 B_RATE_P99 B_RATE_RPS <<<"$result"
stop_last
B_RATE_STORED=$(count_events "$WORK/b-rate/avala-bot.sqlite")
# 4 events from the checks (the duplicate stored nothing) plus one per h2load request.
[ "$B_RATE_STORED" -ge $((RATE_REQUESTS + 4)) ] || die "(b) stored $B_RATE_STORED events for $RATE_REQUESTS + 4 accepted requests"

log "(a) and (b): saturation, $ROUNDS rounds in turns"
bot_config "$WORK/b-sat/avala-bot.sqlite" >"$WORK/b-sat/avala-bot.yaml"
start bot-sat "$PORT_B" "$AVALA_BOT" run --config "$WORK/b-sat/avala-bot.yaml"
[ "$(post_once "$URL_B" "check-$(openssl rand -hex 4)")" = 202 ] || die "(b) saturation instance did not answer 202"
A_ROUNDS=()
D_ROUNDS=()
D_RATIO_ROUNDS=()
D_ANSWERED=1
B_ROUNDS=()
RATIO_ROUNDS=()
A_P99_ROUNDS=()
B_P99_ROUNDS=()
B_ANSWERED=1
for round in $(seq 1 "$ROUNDS"); do
    # Each round has its own delivery-id prefixes (post.lua), so no request of a later round is a
    # duplicate of an earlier one.
    result=$(saturate "bare-r$round" "$URL_A")
    read -r rps p99 _ _ <<<"$result"
    A_ROUNDS+=("$rps")
    A_P99_ROUNDS+=("$p99")
    result=$(saturate "bare-durable-r$round" "$URL_D")
    read -r d_rps _ d_n d_warm <<<"$result"
    D_ROUNDS+=("$d_rps")
    D_ANSWERED=$((D_ANSWERED + d_n + d_warm))
    D_RATIO_ROUNDS+=("$(awk -v x="$d_rps" -v y="$rps" 'BEGIN {printf "%.1f", 100 * x / y}')")
    result=$(saturate "bot-sat-r$round" "$URL_B")
    read -r b_rps b_p99 b_n b_warm <<<"$result"
    B_ROUNDS+=("$b_rps")
    B_P99_ROUNDS+=("$b_p99")
    B_ANSWERED=$((B_ANSWERED + b_n + b_warm))
    RATIO_ROUNDS+=("$(awk -v x="$b_rps" -v y="$rps" 'BEGIN {printf "%.1f", 100 * x / y}')")
    log "round $round: (a) $rps, (a′) $d_rps, (b) $b_rps requests/s"
done
stop_last
median() { printf '%s\n' "$@" | sort -g | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }
A_RPS=$(median "${A_ROUNDS[@]}")
A_P99=$(median "${A_P99_ROUNDS[@]}")
B_RPS=$(median "${B_ROUNDS[@]}")
B_P99=$(median "${B_P99_ROUNDS[@]}")
RATIO=$(median "${RATIO_ROUNDS[@]}")
B_STORED=$(count_events "$WORK/b-sat/avala-bot.sqlite")
# Every answered request must be a new stored event (a duplicate would be a 200 that stores nothing).
# wrk counts only completed requests, so the store may hold a few more (in flight when wrk stopped).
# B_ANSWERED counts every round's warm-up and measured requests and the one check request.
[ "$B_STORED" -ge "$B_ANSWERED" ] || die "(b) stored $B_STORED events for $B_ANSWERED answered requests: duplicates?"
B_PENDING=$(sqlite3 "$WORK/b-sat/avala-bot.sqlite" "SELECT count(*) FROM events WHERE status != 'done';")
# (a′), then (a): the servers were started in that order.
stop_last
stop_last
D_RPS=$(median "${D_ROUNDS[@]}")
D_RATIO=$(median "${D_RATIO_ROUNDS[@]}")
# Every answered request of (a′) must have its body in the file.
D_STORED=$(($(stat -c %s "$DURABLE_FILE") / BODY_BYTES))
[ "$D_STORED" -ge "$D_ANSWERED" ] || die "(a′) has $D_STORED bodies in its file for $D_ANSWERED answered requests"

# --- (c) adnanh/webhook --------------------------------------------------------------------------------
log "(c) adnanh/webhook with an HMAC-SHA256 rule"
cat >"$WORK/hooks.json" <<EOF
[
  {
    "id": "avala",
    "execute-command": "/bin/true",
    "trigger-rule": {
      "match": {
        "type": "payload-hmac-sha256",
        "secret": "$SECRET",
        "parameter": { "source": "header", "name": "X-Avala-Webhook-Signature" }
      }
    }
  }
]
EOF
chmod 600 "$WORK/hooks.json"
URL_C="https://127.0.0.1:$PORT_C/hooks/avala"
start webhook "$PORT_C" webhook -ip 127.0.0.1 -port "$PORT_C" -secure -cert "$WORK/tls.crt" -key "$WORK/tls.key" \
    -hooks "$WORK/hooks.json"
[ "$(post_once "$URL_C" check-1)" = 200 ] || die "(c) did not answer 200 to a good signature"
# It answers a bad signature with 500 (FACTS.md); anything else but 200 proves the rule is checked.
bad_signature=$(curl -s -o /dev/null -w '%{http_code}' --cacert "$WORK/tls.crt" \
    -H "X-Avala-Webhook-Signature: sha256=$(printf '0%.0s' {1..64})" --data-binary "@$WORK/body.json" "$URL_C")
[ "$bad_signature" != 200 ] || die "(c) accepted a bad signature"
result=$(saturate webhook "$URL_C")
read -r C_RPS C_P99 _ _ <<<"$result"
stop_last

# --- Report ------------------------------------------------------------------------------------------
ratio() { awk -v x="$1" -v y="$2" 'BEGIN {printf "%.0f %%", 100 * x / y}'; }
fmt() { awk -v x="$1" 'BEGIN {printf "%.0f", x}'; }
cat <<EOF

Loopback, TLS 1.3, 1 KB signed JSON POST. Saturation: \`wrk -t1 -c$CONNECTIONS -d$DURATION\`, $ROUNDS rounds with
(a), (a′) and (b) in turns, medians. Fixed rate: \`h2load --h1 -n $RATE_REQUESTS -c $RATE_CLIENTS --rps $RATE_PER_CLIENT\`.

| server | requests/s (wrk) | p99 at saturation | vs (a) | at ~1,000 requests/s: p50 / p99 |
|---|---|---|---|---|
| (a) bare Hummingbird TLS route, 200 | $(fmt "$A_RPS") | $A_P99 ms | 100 % | $A_RATE_P50 / $A_RATE_P99 ms ($(fmt "$A_RATE_RPS") req/s) |
| (a′) the same route + durable append (group commit, fdatasync), 202 | $(fmt "$D_RPS") | — | $(fmt "$D_RATIO") % | — |
| (b) \`avala-bot run\`: TLS + avala signature + SQLite ingest, 202 | $(fmt "$B_RPS") | $B_P99 ms | $(fmt "$RATIO") % | $B_RATE_P50 / $B_RATE_P99 ms ($(fmt "$B_RATE_RPS") req/s) |
| (c) adnanh/webhook $(webhook -version | awk '{print $NF}'), HMAC rule, /bin/true | $(fmt "$C_RPS") | $C_P99 ms | $(ratio "$C_RPS" "$A_RPS") | — |

Rounds, requests/s: (a) $(printf '%s ' "${A_ROUNDS[@]}" | sed 's/ $//'); (a′) $(printf '%s ' "${D_ROUNDS[@]}" | sed 's/ $//'); (b) $(printf '%s ' "${B_ROUNDS[@]}" | sed 's/ $//');
(b)/(a) per round $(printf '%s %% ' "${RATIO_ROUNDS[@]}" | sed 's/ $//'); (a′)/(a) $(printf '%s %% ' "${D_RATIO_ROUNDS[@]}" | sed 's/ $//').
"vs (a)" is the median of the per-round ratios. (a′) has $D_STORED bodies in its file for $D_ANSWERED answered requests.

(b) stored $B_STORED events for $B_ANSWERED answered requests (warm-up and check included) in the saturation
run ($B_PENDING not yet dispatched when it stopped) and $B_RATE_STORED in the fixed-rate run. Targets: (b) ≥ 60 % of (a); p99 ≤ 10 ms at 1,000 requests/s.
EOF
