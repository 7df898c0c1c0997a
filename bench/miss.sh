#!/usr/bin/env bash
# What a miss adds to the upstream's own time, for the jar at a base revision and the working tree's, in one
# run on one machine.
#
# Usage: bench/miss.sh [--base REV] [--warmup 300] [--keys 10] [--repeat 1] [--latency-ms 20]
#          [--cpu-rounds 4] [--gzip] [--base-opts 'FLAGS'] [--head-opts 'FLAGS']
#
# It builds REV (default: main) in a temporary git worktree and the working tree as it is (like bench/ab.sh;
# once when REV is HEAD and no tracked file has changed), starts a private redis-server and
# bench/fake_upstream.py (--latency-ms per answer, the real dataset from ../shared/data/universities/; with
# --gzip it answers in gzip whoever asks for it), then both jars with bin/cachegate, CACHE_TYPE=redis, each
# with its own key prefix, and JAVA_OPTS set to --base-opts for the base jar and --head-opts for the working tree's (after
# jvm.options, so the last of two flags wins): with --base HEAD the same jar runs with two flag sets, e.g.
#   bench/miss.sh --base HEAD --latency-ms 300 --head-opts '-XX:TrimNativeHeapInterval=0'
# Ten countries whose answers are 17-78 KB (Spain 17 KB ... China 73 KB) take turns. Every request
# is on a new connection, identity encoding, timed from before connect to the last byte of the body.
# Each jar first gets --warmup misses on fresh keys (a country with a limit no request used before, which
# leaves the answer as it is), then as many misses again in --cpu-rounds rounds in which the jars take
# turns, for each jar's CPU time (the JIT compiler's included) and Redis commands per miss; then --keys
# rounds follow in which the upstream (asked directly, the same way), the base jar and the working tree's
# each get one fresh key, in an order that rotates. The overhead
# of a jar is the median of its times minus the median of the upstream's own. --repeat measures that many
# times in a row (each with --keys fresh keys per target), one line each. It prints the machine's load
# average before and after, the CPU time, Redis commands and upstream body bytes (as sent) per miss of each
# jar, and ends each measure with one line:
#   miss-overhead base=<ms> head=<ms> upstream=<ms> load=<1-min load at the end>
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BASE=main WARMUP=300 KEYS=10 REPEAT=1 LATENCY=20 CPU_ROUNDS=4 GZIP= BASE_OPTS= HEAD_OPTS=
while [[ $# -gt 0 ]]; do
  case $1 in
    --base) BASE=$2; shift 2 ;;
    --warmup) WARMUP=$2; shift 2 ;;
    --keys) KEYS=$2; shift 2 ;;
    --repeat) REPEAT=$2; shift 2 ;;
    --latency-ms) LATENCY=$2; shift 2 ;;
    --cpu-rounds) CPU_ROUNDS=$2; shift 2 ;;
    --gzip) GZIP=--gzip; shift ;;
    --base-opts) BASE_OPTS=$2; shift 2 ;;
    --head-opts) HEAD_OPTS=$2; shift 2 ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown argument: $1 (try --help)" >&2; exit 2 ;;
  esac
done
for tool in redis-server redis-cli python3 java curl; do
  command -v $tool >/dev/null || { echo "needs $tool" >&2; exit 1; }
done
DATASET=$ROOT/../shared/data/universities/world_universities_and_domains.json
[[ -f $DATASET ]] || { echo "needs the real dataset at $DATASET" >&2; exit 1; }

TMP=$(mktemp -d)
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  [[ -n ${REDIS_PORT:-} ]] && redis-cli -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 || true
  git worktree remove --force "$TMP/base" >/dev/null 2>&1 || true
  rm -rf "$TMP"
}
trap cleanup EXIT
log() { printf '[miss %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

git worktree add -q --detach "$TMP/base" "$BASE"
if [[ $(git rev-parse "$BASE^{commit}") == $(git rev-parse HEAD) && -z $(git status --porcelain --untracked-files=no) ]]; then
  # The same revision, unchanged: one build serves both (they differ in their flags only).
  log "building the working tree (it is $BASE)"
  ./mvnw -q -B -DskipTests -DskipCds package
  mkdir -p "$TMP/base/target" && cp target/cachegate.jar "$TMP/base/target/cachegate.jar"
else
  log "building $BASE and the working tree"
  (cd "$TMP/base" && ./mvnw -q -B -DskipTests -DskipCds package)
  ./mvnw -q -B -DskipTests -DskipCds package
fi
# Launched from copies, so that a build in the working tree during the run cannot touch them.
cp "$TMP/base/target/cachegate.jar" "$TMP/base.jar"
cp target/cachegate.jar "$TMP/head.jar"

REDIS_PORT=$(free_port)
redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no --daemonize yes \
  --logfile "$TMP/redis.log" >/dev/null
UP=$(free_port)
python3 bench/fake_upstream.py --port "$UP" --latency-ms "$LATENCY" --dataset "$DATASET" $GZIP \
  >"$TMP/upstream.log" 2>&1 &
PIDS+=($!)

# Launches jar $4 with checkout $1's bin/cachegate on port $2 with key prefix $3 and JAVA_OPTS $5; prints
# java's pid.
launch() {
  local dir=$1 port=$2 prefix=$3 jar=$4 opts=$5
  mkdir -p "$TMP/run-$prefix"
  (cd "$TMP/run-$prefix" && exec env CACHE_TYPE=redis CACHE_REDIS_URL="redis://127.0.0.1:$REDIS_PORT" \
    UNIVERSITIES_API_URL="http://127.0.0.1:$UP" CACHE_KEY_PREFIX="$prefix" PORT="$port" \
    CACHEGATE_JAR="$jar" JAVA_OPTS="$opts" "$dir/bin/cachegate" >"$TMP/$prefix.log" 2>&1) &
  echo $!
}
BASE_PORT=$(free_port); HEAD_PORT=$(free_port)
BASE_PID=$(launch "$TMP/base" "$BASE_PORT" base "$TMP/base.jar" "$BASE_OPTS")
HEAD_PID=$(launch "$ROOT" "$HEAD_PORT" head "$TMP/head.jar" "$HEAD_OPTS")
[[ -z $BASE_OPTS$HEAD_OPTS ]] || log "JAVA_OPTS: base '$BASE_OPTS', working tree '$HEAD_OPTS'"
PIDS+=("$BASE_PID" "$HEAD_PID")
for port in "$BASE_PORT" "$HEAD_PORT" "$UP"; do
  for _ in $(seq 1 150); do curl -fs -o /dev/null "http://127.0.0.1:$port/health" 2>/dev/null && break
    [[ $port == "$UP" ]] && curl -s -o /dev/null "http://127.0.0.1:$port/" && break; sleep 0.2; done
done
log "load before: $(cut -d' ' -f1-3 /proc/loadavg)"

python3 - "$UP" "$BASE_PORT" "$HEAD_PORT" "$WARMUP" "$KEYS" "$REPEAT" "$BASE" "$BASE_PID" "$HEAD_PID" \
  "$REDIS_PORT" "$CPU_ROUNDS" <<'PY'
import http.client, itertools, json, os, statistics, subprocess, sys, time
from urllib.parse import quote

(up, base, head, warmup, keys, repeat, rev, base_pid, head_pid,
 redis_port, cpu_rounds) = (int(a) if a.isdigit() else a for a in sys.argv[1:])
tick_us = 1_000_000 / os.sysconf("SC_CLK_TCK")

def cpu_ticks(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])

def redis_calls():
    """Calls per command Redis has run (a script's own commands included)."""
    info = subprocess.run(["redis-cli", "-p", str(redis_port), "info", "commandstats"],
                          capture_output=True, text=True).stdout
    calls = {}
    for line in info.splitlines():
        if line.startswith("cmdstat_"):
            name, rest = line[len("cmdstat_"):].split(":", 1)
            calls[name] = int(rest.split(",")[0].split("=")[1])
    return calls
def upstream_bytes():
    """Body bytes the fake upstream has sent for /search, as sent."""
    connection = http.client.HTTPConnection("127.0.0.1", up, timeout=30)
    connection.request("GET", "/__count")
    sent = json.loads(connection.getresponse().read())["bytes"]
    connection.close()
    return sent

countries = ["Spain", "Colombia", "Philippines", "Poland", "Canada", "Brazil", "United Kingdom", "France",
             "Germany", "China"]
limits = itertools.count(100_000)

def timed(port, path):
    """Milliseconds from before connect to the body's last byte, on a new connection."""
    started = time.perf_counter()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("GET", path, headers={"Accept-Encoding": "identity"})
    response = connection.getresponse()
    body = response.read()
    took = (time.perf_counter() - started) * 1000
    connection.close()
    if response.status != 200 or len(body) < 10_000:
        raise SystemExit(f"unexpected answer from :{port}{path}: {response.status}, {len(body)} bytes")
    return took, response.getheader("X-Cache", "upstream")

def fresh(route, i):
    return f"{route}?country={quote(countries[i % len(countries)])}&limit={next(limits)}"

targets = {"upstream": (up, "/search"), "base": (base, "/universities"), "head": (head, "/universities")}
pids = {"base": base_pid, "head": head_pid}
for name in ("base", "head"):
    port, route = targets[name]
    for i in range(warmup):
        took, cache = timed(port, fresh(route, i))
        if cache != "MISS":
            raise SystemExit(f"warm-up request to {name} was {cache}, not a miss")
print(f"warm-up: {warmup} misses on each jar", file=sys.stderr)
# CPU time and Redis commands per miss, over as many misses again on each jar, in --cpu-rounds rounds in
# which the jars take turns (which goes first alternates), one jar at a time (both share the Redis; the
# keys' prefixes tell them apart only in names, so each is counted alone). CPU time per miss drifts down
# for thousands of misses while the JIT compiler works (its threads' time is included), so the jars are
# compared over the same stretch of misses.
ticks = {name: [] for name in pids}
calls = {name: {} for name in pids}
received = {name: 0 for name in pids}
done = 0
for r in range(cpu_rounds):
    count = warmup * (r + 1) // cpu_rounds - warmup * r // cpu_rounds
    for name in (("base", "head") if r % 2 == 0 else ("head", "base")):
        port, route = targets[name]
        time.sleep(1)  # the last misses' writes and lease releases are done
        calls_before, ticks_before, bytes_before = redis_calls(), cpu_ticks(pids[name]), upstream_bytes()
        for i in range(count):
            timed(port, fresh(route, done + i))
        ticks[name].append((cpu_ticks(pids[name]) - ticks_before) * tick_us / count)
        received[name] += upstream_bytes() - bytes_before
        time.sleep(1)
        calls_after = redis_calls()
        for c, n in calls_after.items():
            if c != "info":
                calls[name][c] = calls[name].get(c, 0) + n - calls_before.get(c, 0)
    done += count
for name in ("base", "head"):
    per = " ".join(f"{c}={n / warmup:.2f}" for c, n in sorted(calls[name].items()) if n > 0)
    print(f"{name}: {statistics.mean(ticks[name]):.0f} CPU us per miss (rounds: "
          f"{' '.join(f'{t:.0f}' for t in ticks[name])}); "
          f"{received[name] / warmup:.0f} upstream body bytes per miss; "
          f"Redis commands per miss (a script's own included): {per}", flush=True)
def measure():
    times = {name: [] for name in targets}
    order = list(targets)
    for i in range(keys):
        for name in order[i % 3:] + order[:i % 3]:
            port, route = targets[name]
            took, cache = timed(port, fresh(route, i))
            if name != "upstream" and cache != "MISS":
                raise SystemExit(f"{name} answered {cache}, not a miss")
            times[name].append(took)
    median = {name: statistics.median(t) for name, t in times.items()}
    for name, t in times.items():
        print(f"{name:8} median {median[name]:7.2f} ms  (each: {' '.join(f'{x:.1f}' for x in t)})")
    over = {name: median[name] - median["upstream"] for name in ("base", "head")}
    print(f"miss overhead over the upstream's own time: {rev} +{over['base']:.2f} ms, working tree "
          f"+{over['head']:.2f} ms")
    with open("/proc/loadavg") as f:
        load = f.read().split()[0]
    print(f"miss-overhead base={over['base']:.2f} head={over['head']:.2f} "
          f"upstream={median['upstream']:.2f} load={load}", flush=True)

for _ in range(repeat):
    measure()
PY
log "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
