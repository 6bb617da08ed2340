#!/usr/bin/env bash
# Convolution Explorer for a whole class on one machine: N app processes behind HAProxy.
#
#   deploy/run.sh [N]     start N Streamlit processes (default: one per core) on loopback and
#                         HAProxy in front of them; runs in the foreground, and Ctrl-C (or
#                         SIGTERM to this script) stops every process it started, by PID.
#   deploy/run.sh stop    stop a run started elsewhere (reads the PID files of $CE_RUN_DIR).
#
# Environment (all optional):
#   CE_BIND       where students connect, host:port     (default 0.0.0.0:8501: the classroom
#                 network; use 127.0.0.1:8501 to try it on this machine only)
#   CE_APP_PORT   first loopback port of the app processes (default 8601; then 8602, …)
#   CE_APP_PORTS  the app ports, space-separated, instead of CE_APP_PORT and N
#   CE_RUN_DIR    logs, PID files and the rendered haproxy.cfg (default /tmp/convolution-explorer)
#   PYTHON        the interpreter with requirements.txt installed (default .venv/bin/python,
#                 else python3)
#
# HAProxy comes from Debian's packages: if `haproxy` is missing, this installs it with
# apt-get (as root, or through sudo).
set -euo pipefail
cd "$(dirname "$0")/.."

RUN_DIR=${CE_RUN_DIR:-/tmp/convolution-explorer}
mkdir -p "$RUN_DIR"

stop_pids() {
    # Each PID file holds PIDs this script started; nothing else is touched.
    local file pid
    for file in "$RUN_DIR/haproxy.pid" "$RUN_DIR/apps.pid"; do
        [ -f "$file" ] || continue
        while read -r pid; do
            [ -n "$pid" ] && kill "$pid" 2>/dev/null || true
        done < "$file"
    done
    for file in "$RUN_DIR/haproxy.pid" "$RUN_DIR/apps.pid"; do
        [ -f "$file" ] || continue
        while read -r pid; do
            for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
            kill -9 "$pid" 2>/dev/null || true
        done < "$file"
        rm -f "$file"
    done
}

if [ "${1:-}" = "stop" ]; then
    stop_pids
    echo "stopped"
    exit 0
fi

N=${1:-$(nproc)}
case "$N" in ''|*[!0-9]*) echo "usage: deploy/run.sh [N | stop]" >&2; exit 2 ;; esac
[ "$N" -ge 1 ] || { echo "N must be at least 1" >&2; exit 2; }
BIND=${CE_BIND:-0.0.0.0:8501}
if [ -n "${CE_APP_PORTS:-}" ]; then
    read -r -a PORTS <<< "$CE_APP_PORTS"
else
    PORTS=()
    for i in $(seq 0 $((N - 1))); do PORTS+=($(( ${CE_APP_PORT:-8601} + i ))); done
fi
if [ -z "${PYTHON:-}" ]; then
    if [ -x .venv/bin/python ]; then PYTHON=.venv/bin/python; else PYTHON=python3; fi
fi

if ! command -v haproxy >/dev/null 2>&1 && [ ! -x /usr/sbin/haproxy ]; then
    echo "== installing Debian's haproxy"
    SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq haproxy >/dev/null
fi
HAPROXY=$(command -v haproxy || echo /usr/sbin/haproxy)

: > "$RUN_DIR/apps.pid"
trap 'stop_pids' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# One process per core: keep each one's BLAS to one thread so that they do not fight.
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1
SERVERS=""
n=0
for port in "${PORTS[@]}"; do
    n=$((n + 1))
    "$PYTHON" -m streamlit run app.py --server.address 127.0.0.1 --server.port "$port" \
        --server.headless true --browser.gatherUsageStats false \
        --server.fileWatcherType none --server.runOnSave false \
        > "$RUN_DIR/app-$port.log" 2>&1 &
    echo $! >> "$RUN_DIR/apps.pid"
    SERVERS+="    server app$n 127.0.0.1:$port cookie app$n check inter 2s fall 2 rise 2"$'\n'
done

for port in "${PORTS[@]}"; do
    for _ in $(seq 300); do
        if [ "$("$PYTHON" -c "import urllib.request as u; print(u.urlopen('http://127.0.0.1:$port/_stcore/health', timeout=2).read().decode())" 2>/dev/null)" = "ok" ]; then
            break
        fi
        sleep 0.3
    done
done

CONFIG="$RUN_DIR/haproxy.cfg"
awk -v bind="$BIND" -v servers="$SERVERS" \
    '{ gsub(/@BIND@/, bind); if ($0 == "@SERVERS@") printf "%s", servers; else print }' \
    deploy/haproxy.cfg.in > "$CONFIG"
"$HAPROXY" -c -q -f "$CONFIG"
"$HAPROXY" -db -f "$CONFIG" > "$RUN_DIR/haproxy.log" 2>&1 &
echo $! > "$RUN_DIR/haproxy.pid"

echo "Convolution Explorer: http://$BIND/ (HAProxy) -> ${#PORTS[@]} processes on ports ${PORTS[*]}"
echo "logs and PIDs in $RUN_DIR; Ctrl-C stops them all"
wait
