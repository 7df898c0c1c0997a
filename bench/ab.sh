#!/usr/bin/env bash
# Before and after: CPU time per warm hit of the jar at a base revision against the working tree's (and, with
# --nginx, against nginx proxy_cache), in one run on one machine, so that a change that claims a gain (or no
# cost) shows it.
#
# Usage: bench/ab.sh [--base REV [--base-dir DIR]] [--nginx] [--keys N] [--rounds 5] [--duration 8s]
#                    [--warmup 10s] [--no-build] [--env VAR=VALUE]... [--traced]
#                    [--base-opts 'FLAGS'] [--head-opts 'FLAGS']
#
# It builds REV in a temporary git worktree and the working tree as it is (./mvnw -q -B -DskipTests package),
# starts a private redis-server and bench/fake_upstream.py (50 ms per answer, the real dataset when present),
# then the jars side by side, each launched as its own revision launched it (bin/cachegate when it has one),
# CACHE_TYPE=redis with its own key prefix and UNIVERSITIES_CACHE_TIMEOUT=3600 (no refresh during the run), plus
# every --env, and JAVA_OPTS set to --base-opts for the base jar and --head-opts for the working tree's
# (read by bin/cachegate after jvm.options: the last of two flags wins). With --nginx, also nginx with
# proxy_cache as bench/run.sh configures it (2 workers, sendfile, access log off, gzip on for
# application/json), proxy_cache_valid 1h. At least one of --base and --nginx.
# After a warm-up of every target on each (wrk for WARMUP: the JIT compiler needs longer on a loaded machine), it runs --rounds rounds of wrk -t2 -c64 -d DURATION per target,
# the variants taking turns (which goes first rotates), and reads each process's user+system CPU time from
# /proc/<pid>/stat around each run (nginx: master and workers summed). Targets: Germany (66 KB) identity and
# gzip, United States (438 KB) identity, all warm local-tier hits; with --keys N instead the working set:
# /universities?country=United%20States&limit=200&offset=K, K at random below N (bench/workingset.lua, about
# 37 KB each), all N warmed first, identity and gzip clients. It prints, per target, the median over rounds
# of CPU microseconds per request (steadier than requests per second on a shared machine) and of requests
# per second, the ratios to nginx, each process's peak RSS (VmHWM), and the machine's load. --base-dir DIR
# takes REV as already built in checkout DIR, --no-build the working tree's jar as it is (builds are slow on
# a loaded machine). --traced turns traces on for the working tree's jar only (OTEL_TRACES_EXPORTER=otlp, every
# trace sampled), sent to bench/otlp_sink.py, which answers each export and decodes nothing: with
# --base HEAD --base-dir . the same jar runs untraced and traced (or, with --head-opts, with other flags).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
source bench/nginx-conf.sh
BASE="" BASE_DIR="" BUILD=1 NGINX="" KEYS=0 ROUNDS=5 DURATION=8s WARMUP=10s TRACED=""
CG_ENV=() HEAD_ENV=() BASE_OPTS="" HEAD_OPTS=""
while [[ $# -gt 0 ]]; do
  case $1 in
    --base) BASE=$2; shift 2 ;;
    --base-dir) BASE_DIR=$2; shift 2 ;;
    --no-build) BUILD=""; shift ;;
    --nginx) NGINX=1; shift ;;
    --keys) KEYS=$2; shift 2 ;;
    --rounds) ROUNDS=$2; shift 2 ;;
    --duration) DURATION=$2; shift 2 ;;
    --warmup) WARMUP=$2; shift 2 ;;
    --env) CG_ENV+=("$2"); shift 2 ;;
    --traced) TRACED=1; shift ;;
    --base-opts) BASE_OPTS=$2; shift 2 ;;
    --head-opts) HEAD_OPTS=$2; shift 2 ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown argument: $1 (try --help)" >&2; exit 2 ;;
  esac
done
[[ -n $BASE || -n $NGINX ]] || { echo "--base REV or --nginx is required" >&2; exit 2; }
for tool in wrk redis-server python3 java; do command -v $tool >/dev/null || { echo "needs $tool" >&2; exit 1; }; done
[[ -z $NGINX ]] || command -v nginx >/dev/null || { echo "needs nginx" >&2; exit 1; }

TMP=$(mktemp -d)
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  [[ -n ${REDIS_PORT:-} ]] && redis-cli -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 || true
  [[ -n $BASE && -z $BASE_DIR ]] && git worktree remove --force "$TMP/base" >/dev/null 2>&1 || true
  rm -rf "$TMP"
}
trap cleanup EXIT
log() { printf '[ab %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)

if [[ -n $BASE && -n $BASE_DIR ]]; then
  [[ $(git -C "$BASE_DIR" rev-parse HEAD) == $(git rev-parse "$BASE") ]] || { echo "$BASE_DIR is not at $BASE" >&2; exit 2; }
  ln -s "$(cd "$BASE_DIR" && pwd)" "$TMP/base"
elif [[ -n $BASE ]]; then
  log "building $BASE"
  git worktree add -q --detach "$TMP/base" "$BASE"
  (cd "$TMP/base" && ./mvnw -q -B -DskipTests package)
fi
[[ -z $BUILD ]] || { log "building the working tree"; ./mvnw -q -B -DskipTests package; }

REDIS_PORT=$(free_port)
redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no --daemonize yes \
  --logfile "$TMP/redis.log" >/dev/null
UP=$(free_port)
python3 bench/fake_upstream.py --port "$UP" --latency-ms 50 >"$TMP/upstream.log" 2>&1 &
PIDS+=($!)
if [[ -n $TRACED ]]; then
  SINK=$(free_port)
  python3 bench/otlp_sink.py --port "$SINK" >"$TMP/otlp_sink.log" 2>&1 &
  PIDS+=($!)
  HEAD_ENV=(OTEL_TRACES_EXPORTER=otlp "OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:$SINK" OTEL_TRACES_SAMPLER=always_on)
fi

# Launches the jar of checkout $1 as that checkout launched it (bin/cachegate, else jvm.options, else the flags
# of the README before either), on port $2, with key prefix $3; prints its pid (exec keeps java's pid).
launch() {
  local dir=$1 port=$2 prefix=$3 command extra=() opts=$BASE_OPTS
  [[ $prefix == head ]] && extra=("${HEAD_ENV[@]}") opts=$HEAD_OPTS
  [[ -z $opts ]] || extra+=(JAVA_OPTS="$opts")
  if [[ -x $dir/bin/cachegate ]]; then
    command=("$dir/bin/cachegate")
  elif [[ -f $dir/jvm.options ]]; then
    command=(java "@$dir/jvm.options" "-XX:SharedArchiveFile=$dir/target/cachegate.jsa" -jar "$dir/target/cachegate.jar")
  else
    command=(java -Xmx128m -XX:+UseSerialGC -XX:TrimNativeHeapInterval=5000
             "-XX:SharedArchiveFile=$dir/target/cachegate.jsa" -jar "$dir/target/cachegate.jar")
  fi
  mkdir -p "$TMP/run-$prefix"
  (cd "$TMP/run-$prefix" && exec env CACHE_TYPE=redis CACHE_REDIS_URL="redis://127.0.0.1:$REDIS_PORT" \
    UNIVERSITIES_API_URL="http://127.0.0.1:$UP" CACHE_KEY_PREFIX="$prefix" PORT="$port" \
    UNIVERSITIES_CACHE_TIMEOUT=3600 "${CG_ENV[@]}" "${extra[@]}" "${command[@]}" >"$TMP/$prefix.log" 2>&1) &
  echo $!
}

# nginx with proxy_cache as bench/run.sh configures it (bench/nginx-conf.sh), entries valid for an hour.
start_nginx() {
  mkdir -p "$TMP/nginx/logs"
  nginx_conf "$TMP/nginx" "$TMP/nginx/error.log" "$UP" "$1:universities:1h" >"$TMP/nginx/nginx.conf"
  (exec nginx -p "$TMP/nginx" -c "$TMP/nginx/nginx.conf" -e "$TMP/nginx/error.log" >/dev/null 2>&1) &
  echo $!
}

VARIANTS=()
declare -A PORT_OF PID_OF
if [[ -n $BASE ]]; then
  VARIANTS+=(base); PORT_OF[base]=$(free_port); PID_OF[base]=$(launch "$TMP/base" "${PORT_OF[base]}" base)
fi
VARIANTS+=(head); PORT_OF[head]=$(free_port); PID_OF[head]=$(launch "$ROOT" "${PORT_OF[head]}" head)
if [[ -n $NGINX ]]; then
  VARIANTS+=(nginx); PORT_OF[nginx]=$(free_port); PID_OF[nginx]=$(start_nginx "${PORT_OF[nginx]}")
fi
for v in "${VARIANTS[@]}"; do
  PIDS+=("${PID_OF[$v]}")
  for _ in $(seq 1 100); do
    curl -s -o /dev/null "http://127.0.0.1:${PORT_OF[$v]}/" && break; sleep 0.2
  done
done

if (( KEYS > 0 )); then
  TARGETS=("workingset identity|lua|" "workingset gzip|lua|gzip")
  for v in "${VARIANTS[@]}"; do
    log "warming $KEYS keys on $v"
    python3 - "${PORT_OF[$v]}" "$KEYS" <<'PY'
import concurrent.futures, sys, urllib.request
port, keys = sys.argv[1], int(sys.argv[2])
def get(k):
    url = f"http://127.0.0.1:{port}/universities?country=United%20States&limit=200&offset={k}"
    with urllib.request.urlopen(url) as r:
        r.read()
with concurrent.futures.ThreadPoolExecutor(16) as pool:
    list(pool.map(get, range(keys)))
PY
  done
else
  TARGETS=("germany identity|/universities?country=Germany|" "germany gzip|/universities?country=Germany|gzip"
           "united-states identity|/universities?country=United+States|")
fi
# CPU ticks of a process and its children (nginx's workers).
cpu_ticks() {
  local total=0 pid
  for pid in $1 $(pgrep -P "$1" || true); do
    total=$((total + $(awk '{print $14 + $15}' "/proc/$pid/stat")))
  done
  echo $total
}
run() { # port path encoding duration -> wrk output
  local headers=(); [[ -n $3 ]] && headers=(-H "Accept-Encoding: $3")
  if [[ $2 == lua ]]; then
    wrk -t2 -c64 -d"$4" --latency "${headers[@]}" -s bench/workingset.lua "http://127.0.0.1:$1" -- "$KEYS" 2>&1
  else
    wrk -t2 -c64 -d"$4" --latency "${headers[@]}" "http://127.0.0.1:$1$2" 2>&1
  fi
}
log "warm-up"
for target in "${TARGETS[@]}"; do
  IFS='|' read -r _ path enc <<<"$target"
  for v in "${VARIANTS[@]}"; do run "${PORT_OF[$v]}" "$path" "$enc" "$WARMUP" >/dev/null; done
done
TICK_US=$((1000000 / $(getconf CLK_TCK)))
echo "round target variant requests cpu_us_per_request requests_per_second non2xx" >"$TMP/rounds"
for round in $(seq 1 "$ROUNDS"); do
  log "round $round of $ROUNDS"
  for target in "${TARGETS[@]}"; do
    IFS='|' read -r name path enc <<<"$target"
    n=${#VARIANTS[@]} order=()
    for i in $(seq 0 $((n - 1))); do order+=("${VARIANTS[$(((i + round) % n))]}"); done
    for v in "${order[@]}"; do
      pid=${PID_OF[$v]}
      before=$(cpu_ticks "$pid"); out=$(run "${PORT_OF[$v]}" "$path" "$enc" "$DURATION"); after=$(cpu_ticks "$pid")
      requests=$(awk '/requests in/ {print $1}' <<<"$out"); rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
      non2xx=$(awk '/Non-2xx/ {print $NF}' <<<"$out"); non2xx=${non2xx:-0}
      per=$(awk -v t=$((after - before)) -v us="$TICK_US" -v n="$requests" 'BEGIN {printf "%.2f", t * us / n}')
      echo "$round ${name// /_} $v $requests $per $rps $non2xx" >>"$TMP/rounds"
    done
  done
done
cp "$TMP/rounds" "${AB_ROUNDS_OUT:-/dev/null}" 2>/dev/null || true
python3 - "$TMP/rounds" "$BASE" "${VARIANTS[*]}" "working tree${TRACED:+, traced}" <<'PY'
import statistics, sys
rows = [line.split() for line in open(sys.argv[1]).read().splitlines()[1:]]
variants = sys.argv[3].split()
label = {"base": sys.argv[2], "head": sys.argv[4], "nginx": "nginx"}
head = "| Warm hit, wrk -t2 -c64 | " + " | ".join(f"{label[v]}: CPU µs/request, req/s" for v in variants)
if "nginx" in variants:
    head += " | " + " | ".join(f"{label[v]} / nginx: CPU, req/s" for v in variants if v != "nginx")
head += " |"
print(head)
print("|---" * (head.count("|") - 1) + "|")
for target in dict.fromkeys(r[1] for r in rows):
    cells, med = [], {}
    for v in variants:
        mine = [r for r in rows if r[1] == target and r[2] == v]
        med[v] = (statistics.median(float(r[4]) for r in mine), statistics.median(float(r[5]) for r in mine))
        bad = sum(int(r[6]) for r in mine)
        cells.append(f"{med[v][0]:.1f}, {med[v][1]:,.0f}" + (f" ({bad} non-2xx)" if bad else ""))
    if "nginx" in variants:
        cells += [f"{med[v][0] / med['nginx'][0]:.2f}x, {med[v][1] / med['nginx'][1]:.2f}x"
                  for v in variants if v != "nginx"]
    print(f"| {target.replace('_', ' ')} | " + " | ".join(cells) + " |")
print("\nRounds (CPU µs/request):")
for target in dict.fromkeys(r[1] for r in rows):
    print("  " + target + ": " + "; ".join(
        v + " " + ", ".join(r[4] for r in rows if r[1] == target and r[2] == v) for v in variants))
PY
echo
for v in "${VARIANTS[@]}"; do
  hwm=0
  for pid in ${PID_OF[$v]} $(pgrep -P "${PID_OF[$v]}" || true); do
    hwm=$((hwm + $(awk '/VmHWM/ {print $2}' "/proc/$pid/status")))
  done
  echo "Peak RSS (VmHWM) $v: $((hwm / 1024)) MiB"
done
echo "Load average at start: $LOAD_START; at end: $(cut -d' ' -f1-3 /proc/loadavg)"
