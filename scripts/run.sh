#!/usr/bin/env bash
# `make run`: set everything up and run the app with demo data: web, Celery worker and
# Celery beat under honcho (Procfile). Ctrl-C stops them all.
#
# - DATABASE_URL unset (environment and .env): an embedded PostgreSQL in .data/postgres,
#   on a Unix socket (scripts/embedded_pg.py), stopped again when this script exits.
# - REDIS_URL unset: Celery uses kombu's filesystem broker in .data/broker (demo only).
#
# Then: roles, database and migrations (scripts/db_setup.py), static files, demo data
# (`manage.py seed_demo`, idempotent, prints the demo sign-ins), and the processes.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT="$PWD"
export PATH="$ROOT/.venv/bin:$PATH"
export DJANGO_SETTINGS_MODULE="${DJANGO_SETTINGS_MODULE:-config.settings.local}"
PORT="${PORT:-8000}"
export PORT

# Set in the environment, or in .env (which the settings and honcho both read)?
configured() {
    [[ -n "${!1:-}" ]] && return 0
    [[ -f .env ]] && grep -Eq "^[[:space:]]*(export[[:space:]]+)?$1[[:space:]]*=[[:space:]]*[^[:space:]]" .env
}

embedded_pg=0
honcho_pid=""
# shellcheck disable=SC2317  # invoked by the EXIT trap
cleanup() {
    local status=$?
    trap - EXIT INT TERM
    if [[ -n "$honcho_pid" ]] && kill -0 "$honcho_pid" 2>/dev/null; then
        kill -TERM "$honcho_pid" 2>/dev/null || true
        wait "$honcho_pid" 2>/dev/null || true
    fi
    if [[ "$embedded_pg" == 1 ]]; then
        python scripts/embedded_pg.py stop || true
    fi
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if ! configured DATABASE_URL; then
    echo "DATABASE_URL is not set: using an embedded PostgreSQL in .data/postgres (stopped when this exits)."
    embedded_pg=1
    pg_env="$(python scripts/embedded_pg.py start)"
    eval "$pg_env"
fi

if ! configured REDIS_URL && ! configured CELERY_BROKER_URL; then
    broker_dir="${CELERY_FILESYSTEM_BROKER_DIR:-$ROOT/.data/broker}"
    echo "REDIS_URL is not set: Celery uses the filesystem broker in ${broker_dir#"$ROOT"/} (demo only)."
    mkdir -p "$broker_dir/processed"
fi

python scripts/db_setup.py
python manage.py collectstatic --noinput -v0
python manage.py seed_demo

# Behind nginx (a buffering proxy, as docker-compose runs it) when nginx is installed, so
# slow clients cost nginx an idle connection, not one of gunicorn's threads: nginx listens
# on PORT, gunicorn on APP_PORT (PORT + 1). Without nginx (or with RUN_PROXY=0, or BIND
# set), gunicorn serves PORT itself. The Procfile stays web, worker and beat (docker-compose
# runs the proxy as its own service); the proxy joins them in .data/run/Procfile.
procfile="Procfile"
processes="web, worker and beat"
nginx_bin="${PROXY_NGINX:-${NGINX:-$(command -v nginx || echo /usr/sbin/nginx)}}"
if [[ "${RUN_PROXY:-1}" == 0 ]]; then
    echo "RUN_PROXY=0: gunicorn serves port ${PORT} directly, with no buffering proxy in front."
elif configured BIND; then
    echo "BIND is set: gunicorn serves ${BIND} directly, with no buffering proxy in front."
elif [[ ! -x "$nginx_bin" ]]; then
    echo "nginx is not installed: gunicorn serves port ${PORT} directly, so a few slow clients can hold all its threads (apt-get install nginx-light to put the buffering proxy in front)."
else
    APP_PORT="${APP_PORT:-$((PORT + 1))}"
    export PROXY_NGINX="$nginx_bin" BIND="127.0.0.1:${APP_PORT}"
    export PROXY_LISTEN="127.0.0.1:${PORT}" APP_UPSTREAM="127.0.0.1:${APP_PORT}"
    mkdir -p .data/run
    procfile=".data/run/Procfile"
    { cat Procfile; echo "proxy: scripts/proxy"; } > "$procfile"
    processes="nginx (buffering proxy) in front of gunicorn on ${APP_PORT}, worker and beat"
fi

echo
echo "Inclusion Pool: http://127.0.0.1:${PORT}/  (${processes} below; Ctrl-C stops them)"
echo

# honcho runs as a child, not exec'd, so that the EXIT trap can stop the embedded database.
# Ctrl-C reaches honcho directly (same process group) and it stops its processes; a
# TERM sent to this script is passed on by the INT/TERM traps via cleanup().
honcho start -d "$ROOT" -f "$procfile" &
honcho_pid=$!
trap 'kill -TERM "$honcho_pid" 2>/dev/null || true' INT TERM
status=0
while kill -0 "$honcho_pid" 2>/dev/null; do
    wait "$honcho_pid" && status=0 || status=$?
done
exit "$status"
