#!/usr/bin/env bash
# A CPU profile of cachegate's warm hit path, as folded stacks (one line per stack, "frame;frame;... count"),
# reproducibly: the jar launched with bin/cachegate as the README does, in front of a private redis-server and
# bench/fake_upstream.py (the real dataset when present), CACHE_TYPE=redis with the local tier on.
#
# Usage: bench/profile.sh --out bench/profiles/NAME.collapsed.gz [--path /universities?country=Germany]
#          [--gzip] [--duration 20s] [--event cpu] [--keys N] [--no-build] [--checkout DIR] [-- ENV=VALUE ...]
#
# It builds the jar (unless --no-build; --checkout DIR runs DIR's bin/cachegate and jar as built there, e.g.
# a git worktree of the revision before a change), fetches async-profiler 4.2 from Maven Central through ./mvnw
# (tools.profiler:async-profiler:4.2, whose jar carries the linux-x64 native library), starts cachegate
# with JAVA_OPTS=-XX:+DebugNonSafepoints, warms the path, runs wrk -t2 -c64 for DURATION with the profiler
# loaded into the running JVM and started and stopped around that run (jcmd JVMTI.agent_load, as
# async-profiler's own launcher does; -agentpath at launch would profile start-up, misses and JIT warm-up too);
# then stops cachegate with SIGTERM. WARMUP (environment, default 30s) is how long wrk warms up first.
# --gzip sends Accept-Encoding: gzip. --keys N requests /universities?country=United%20States&limit=200&
# offset=K for a random K below N (bench/workingset.lua), after warming all N keys once: the working-set
# path. Entries live an hour (UNIVERSITIES_CACHE_TIMEOUT=3600): no refresh during the run. Arguments after -- are passed to cachegate's environment (e.g. CACHE_LOCAL_MAX_BYTES=20971520).
# It prints the top frames (self time) and the share of samples under a few frames of interest.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
OUT="" TARGET="/universities?country=Germany" GZIP="" DURATION=20s EVENT=cpu KEYS=0 BUILD=1 CHECKOUT=$ROOT
EXTRA_ENV=()
while [[ $# -gt 0 ]]; do
  case $1 in
    --out) OUT=$2; shift 2 ;;
    --path) TARGET=$2; shift 2 ;;
    --gzip) GZIP=1; shift ;;
    --duration) DURATION=$2; shift 2 ;;
    --event) EVENT=$2; shift 2 ;;
    --keys) KEYS=$2; shift 2 ;;
    --no-build) BUILD=""; shift ;;
    --checkout) CHECKOUT=$2; BUILD=""; shift 2 ;;
    --) shift; EXTRA_ENV=("$@"); break ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown argument: $1 (try --help)" >&2; exit 2 ;;
  esac
done
[[ -n $OUT ]] || { echo "--out FILE is required" >&2; exit 2; }
for tool in wrk redis-server python3 java jcmd unzip; do command -v $tool >/dev/null || { echo "needs $tool" >&2; exit 1; }; done

TMP=$(mktemp -d)
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  [[ -n ${REDIS_PORT:-} ]] && redis-cli -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 || true
  rm -rf "$TMP"
}
trap cleanup EXIT
log() { printf '[profile %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

[[ -n $BUILD ]] && { log "building"; ./mvnw -q -B -DskipTests package; }
PROFILER_JAR=$HOME/.m2/repository/tools/profiler/async-profiler/4.2/async-profiler-4.2.jar
[[ -f $PROFILER_JAR ]] || ./mvnw -q -B dependency:get -Dartifact=tools.profiler:async-profiler:4.2
unzip -q -o "$PROFILER_JAR" linux-x64/libasyncProfiler.so -d "$TMP"
AGENT=$TMP/linux-x64/libasyncProfiler.so

REDIS_PORT=$(free_port)
redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no --daemonize yes \
  --logfile "$TMP/redis.log" >/dev/null
UP=$(free_port)
python3 bench/fake_upstream.py --port "$UP" --latency-ms 50 >"$TMP/upstream.log" 2>&1 &
PIDS+=($!)
PORT=$(free_port)
mkdir -p "$TMP/run"
(cd "$TMP/run" && exec env CACHE_TYPE=redis CACHE_REDIS_URL="redis://127.0.0.1:$REDIS_PORT" \
  UNIVERSITIES_API_URL="http://127.0.0.1:$UP" UNIVERSITIES_CACHE_TIMEOUT=3600 PORT="$PORT" "${EXTRA_ENV[@]}" \
  JAVA_OPTS="-XX:+UnlockDiagnosticVMOptions -XX:+DebugNonSafepoints" \
  "$CHECKOUT/bin/cachegate" >"$TMP/cachegate.log" 2>&1) &
PID=$!
PIDS+=("$PID")
for _ in $(seq 1 100); do curl -fs -o /dev/null "http://127.0.0.1:$PORT/health" && break; sleep 0.2; done

HEADERS=(); [[ -n $GZIP ]] && HEADERS=(-H "Accept-Encoding: gzip")
if (( KEYS > 0 )); then
  log "warming $KEYS keys"
  python3 - "$PORT" "$KEYS" <<'PY'
import concurrent.futures, sys, urllib.request
port, keys = sys.argv[1], int(sys.argv[2])
def get(k):
    url = f"http://127.0.0.1:{port}/universities?country=United%20States&limit=200&offset={k}"
    with urllib.request.urlopen(url) as r:
        r.read()
with concurrent.futures.ThreadPoolExecutor(16) as pool:
    list(pool.map(get, range(keys)))
PY
  load() { wrk -t2 -c64 -d"$1" -s bench/workingset.lua "${HEADERS[@]}" "http://127.0.0.1:$PORT" -- "$KEYS"; }
else
  load() { wrk -t2 -c64 -d"$1" "${HEADERS[@]}" "http://127.0.0.1:$PORT$TARGET"; }
fi
log "warm-up"
load "${WARMUP:-30s}" >/dev/null
log "profiled run, $DURATION"
# The profiler, loaded idle at launch, samples only the measured run (not start-up, misses or JIT warm-up).
# jcmd reads name=value as its own options: the agent's options go quoted.
profiler() { jcmd "$PID" JVMTI.agent_load "$AGENT" "\"$1\"" >/dev/null; }
profiler "start,event=$EVENT,interval=1ms,threads"
ticks_before=$(awk '{print $14 + $15}' "/proc/$PID/stat")
out=$(load "$DURATION")
ticks_after=$(awk '{print $14 + $15}' "/proc/$PID/stat")
profiler "stop,file=$TMP/profile.collapsed,collapsed"
requests=$(awk '/requests in/ {print $1}' <<<"$out")
kill -TERM "$PID"
wait "$PID" || true
awk -v t=$((ticks_after - ticks_before)) -v hz="$(getconf CLK_TCK)" -v n="$requests" \
  'BEGIN {printf "%d requests, %.1f CPU us/request (load %s)\n", n, t * 1e6 / hz / n, "'"$(cut -d' ' -f1-3 /proc/loadavg)"'"}' >&2
mkdir -p "$(dirname "$OUT")"
if [[ $OUT == *.gz ]]; then gzip -c "$TMP/profile.collapsed" >"$OUT"; else cp "$TMP/profile.collapsed" "$OUT"; fi
python3 bench/profile_summary.py "$TMP/profile.collapsed"
