#!/usr/bin/env bash
# Benchmark: cachegate against nginx proxy_cache, in front of the same slow fake universities API.
#
# Usage: bench/run.sh [--quick] [--duration 5s] [--rounds 3] [--warmup 1s] [--jit-warmup 5s]
#                     [--wide-keys 2000] [--miss-warmup 300] [--skip-build]
#
# One command, about 10 minutes on 2 cores with the defaults (plus the build). --quick (1 round of
# 2 s, 2 s of JIT warm-up, 400 keys in the large working set with the local tier cut to match, 50
# misses of warm-up; about 3 minutes) checks that the harness works end to end: its figures are
# not for comparison. It installs what is missing from Debian's packages (wrk, nginx,
# redis-server), builds target/cachegate.jar (./mvnw -q -B -DskipTests package; --skip-build uses
# the jar as it is) and copies it aside so that other builds cannot swap it mid-run. Then, all on
# 127.0.0.1:
#   - bench/fake_upstream.py: the universities API's /search with 300 ms per answer, serving the real
#     dataset from ../shared/data/universities/ (if it is missing, the test fixture, and the first
#     line of output and of the report say so: such figures do not compare), counting calls;
#   - a private redis-server on a free port (--save "" --appendonly no);
#   - cachegate as the README's quickstart launches it, `bin/cachegate` (on a copy of the jar, for which
#     the same training run the build uses makes the class-data archive), with
#     CACHE_TYPE=redis, CACHE_REDIS_URL, UNIVERSITIES_API_URL and PORT set and everything else at its
#     default: instance A (local tier on), B (CACHE_LOCAL_MAX_BYTES=0: every hit is a Redis hit),
#     C and D (defaults, for the three-instance test); each runs in an empty directory (no .env);
#     instance W (the large working set) is launched the same way with a routes file instead of
#     UNIVERSITIES_API_URL: the built-in route written out (country, name, name_contains, domain,
#     limit, offset) with a TTL of one hour, so that no entry expires during the scenario, and
#     CACHE_KEY_PREFIX=wide;
#   - nginx (as the current user, `-p tmpdir -c conf`, daemon off, 2 workers, access_log off) with
#     proxy_cache (key $uri$is_args$args, proxy_cache_valid 200 30s, proxy_cache_lock on,
#     tcp_nopush off, and - like cachegate's stale-while-revalidate - proxy_cache_use_stale updating
#     with proxy_cache_background_update on) and `gzip on` for application/json at its default level,
#     since the upstream sends identity only and that is how nginx would serve gzip clients; a second
#     server, W's counterpart, has its own cache zone with proxy_cache_valid 200 1h.
# It measures, with the same keys and the same wrk settings for nginx and cachegate:
#   - warm hits: Germany (66 KB) identity and gzip with wrk -t2 -c16 and -c64, United States (438 KB)
#     identity and gzip with -c64, all --latency (req/s, p50, p99), for nginx, cachegate A and
#     cachegate B: after a warm-up of every target (--jit-warmup per URL and encoding, so that the
#     JVM has compiled its hit path), each scenario gets a --warmup run per target, a check that
#     every target answers from its cache, then --rounds runs of --duration per target, the three
#     taking turns (which goes first rotates); around each run it reads the user+system CPU time
#     (/proc/<pid>/stat) of the target's processes (cachegate's JVM; nginx's master and all its
#     children) and of Redis; the report gives per cell the median over the rounds of req/s, p50,
#     p99 and CPU microseconds per request;
#   - the large working set: --wide-keys keys /universities?country=United%20States&limit=200&offset=K
#     (K from 0, about 37 KB each: 2,000 keys hold 71 MiB of JSON, 78 MiB with their gzip forms,
#     about twice the local tier's default 40 MiB; another --wide-keys shrinks the tier of W in
#     proportion, CACHE_LOCAL_MAX_BYTES set explicitly), every key warmed on W and on nginx, then
#     wrk -t2 -c64 picking a random key per request (bench/out/random-key.lua), identity and
#     Accept-Encoding: gzip, the same rounds and CPU readings as above;
#   - a miss's added latency: ten real answers of 17-73 KB (ten countries), each key fresh (a
#     distinct limit above the country's count), each request on a new connection (curl), per key
#     upstream direct, then through cachegate A, then through nginx; once with the miss path as the
#     warm-hit scenarios left it, once more after --miss-warmup fresh misses per target (10 at a
#     time) have let the JVM compile it; the figure is the median over the keys of (through - direct);
#   - 200 concurrent requests on a cold key (bench/burst.py), upstream calls counted; the same
#     spread over cachegate A, C and D sharing the Redis;
#   - RSS (VmRSS, VmHWM) after load, Redis STRLEN and MEMORY USAGE per entry, and the time from
#     `java` to the first 200 for Germany (bench/startup.py, 3 starts, entry already in Redis).
# It prints one Markdown report (bench/report.py) and writes it to the top of bench/RESULTS.md (the
# sections below it stay); raw outputs and logs stay in bench/out/ (access logs cut to their ends).
# Everything it started is stopped on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
source bench/nginx-conf.sh
BENCH=$ROOT/bench

DURATION=5s
ROUNDS=3
WARMUP=1s
JIT_WARMUP=5s
WIDE_KEYS=2000
MISS_WARMUP=300
BUILD=1
MODE=full
while [[ $# -gt 0 ]]; do
  case $1 in
    --quick) MODE=quick DURATION=2s ROUNDS=1 WARMUP=1s JIT_WARMUP=2s WIDE_KEYS=400 MISS_WARMUP=50; shift ;;
    --duration) DURATION=$2; shift 2 ;;
    --rounds) ROUNDS=$2; shift 2 ;;
    --warmup) WARMUP=$2; shift 2 ;;
    --jit-warmup) JIT_WARMUP=$2; shift 2 ;;
    --wide-keys) WIDE_KEYS=$2; shift 2 ;;
    --miss-warmup) MISS_WARMUP=$2; shift 2 ;;
    --skip-build) BUILD=0; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown argument: $1 (try --help)" >&2; exit 2 ;;
  esac
done

# The dataset decides whether figures compare at all: say which one first.
DATASET=$(cd "$ROOT/.." && pwd)/shared/data/universities/world_universities_and_domains.json
if [[ -f $DATASET ]]; then
  echo "bench/run.sh: real dataset $DATASET" >&2
else
  echo "bench/run.sh: FALLING BACK TO THE TEST FIXTURE ($DATASET is missing): bodies are a few KB at most, these figures do not compare with runs on the real dataset" >&2
  DATASET=$ROOT/src/test/resources/universities-fixture.json
fi

log() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

# --- what it needs ---------------------------------------------------------------------------
missing=()
command -v wrk >/dev/null || missing+=(wrk)
command -v nginx >/dev/null || [[ -x /usr/sbin/nginx ]] || missing+=(nginx)
command -v redis-server >/dev/null || missing+=(redis-server)
command -v redis-cli >/dev/null || missing+=(redis-tools)
command -v curl >/dev/null || missing+=(curl)
if [[ ${#missing[@]} -gt 0 ]]; then
  SUDO=""; [[ $EUID -ne 0 ]] && SUDO=sudo
  log "installing ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
command -v python3 >/dev/null || { echo "python3 is needed" >&2; exit 1; }
command -v java >/dev/null || { echo "a JDK 17 is needed" >&2; exit 1; }

if [[ $BUILD -eq 1 ]]; then
  log "building target/cachegate.jar"
  ./mvnw -q -B -DskipTests package
fi
[[ -f target/cachegate.jar ]] || { echo "target/cachegate.jar is missing" >&2; exit 1; }

# --- scratch space and cleanup -----------------------------------------------------------------
OUT=$BENCH/out
rm -rf "$OUT"
mkdir -p "$OUT/wrk"
TMP=$(mktemp -d /tmp/cachegate-bench.XXXXXX)
cp target/cachegate.jar "$TMP/cachegate.jar"
# The build's archive names target/cachegate.jar; make the same one for the copy.
java -XX:ArchiveClassesAtExit="$TMP/cachegate.jsa" -Xlog:cds=off -Xlog:cds+dynamic=off \
  -cp "$TMP/cachegate.jar" cachegate.CdsTraining
PLAIN_JAR=$(ls target/cachegate-*.jar 2>/dev/null | head -1)
METRICS=$OUT/metrics.tsv
: >"$METRICS"
PIDS=()

cleanup() {
  local status=$?
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  done
  rm -rf "$TMP"
  # cachegate's access log (one line per request, its default) runs to hundreds of MB: keep the ends
  for f in "$OUT"/cachegate-*.log; do
    [[ -f $f && $(stat -c %s "$f") -gt 5000000 ]] || continue
    { head -n 30 "$f"; echo "[... $(($(wc -l <"$f") - 130)) lines cut by bench/run.sh ...]"; tail -n 100 "$f"; } >"$f.cut"
    mv "$f.cut" "$f"
  done
  exit $status
}
trap cleanup EXIT
trap 'exit 130' INT TERM

metric() { printf '%s\t%s\n' "$1" "$2" >>"$METRICS"; }

wait_http() { # url [seconds]: until it answers 200
  local deadline=$((SECONDS + ${2:-60}))
  until [[ $(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$1" || true) == 200 ]]; do
    [[ $SECONDS -lt $deadline ]] || { echo "no 200 from $1" >&2; return 1; }
    sleep 0.1
  done
}

wait_up() { # health-url [seconds]: until cachegate says it is UP, Redis reachable and every circuit closed
  local deadline=$((SECONDS + ${2:-180})) body
  while :; do
    body=$(curl -s --max-time 3 "$1" || true)
    if [[ $body == *'"status":"UP"'* && $body != *'"circuit":"OPEN"'* && $body != *'"circuit":"HALF_OPEN"'* ]]; then
      return 0
    fi
    [[ $SECONDS -lt $deadline ]] || { echo "$1 is not UP: ${body:-no answer}" >&2; return 1; }
    sleep 0.2
  done
}

read -r UP REDIS NGX NGX_W CG_A CG_B CG_C CG_D CG_W CG_S < <(python3 - <<'PY'
import socket
socks = [socket.socket() for _ in range(10)]
for s in socks:
    s.bind(("127.0.0.1", 0))
print(*[s.getsockname()[1] for s in socks])
PY
)

# The local tier's default, as the README's configuration table states it (a test holds that table
# to ConfigLoader): the large working set is sized against it.
DEFAULT_TIER=$(sed -n 's/^| `CACHE_LOCAL_MAX_BYTES` | `\([0-9]*\)`.*/\1/p' README.md)
[[ -n $DEFAULT_TIER ]] || { echo "no CACHE_LOCAL_MAX_BYTES default in README.md" >&2; exit 1; }
WIDE_ENV=()
WIDE_TIER=$DEFAULT_TIER
if [[ $WIDE_KEYS -ne 2000 ]]; then # keep the working set about twice the tier
  WIDE_TIER=$((DEFAULT_TIER * WIDE_KEYS / 2000))
  WIDE_ENV=(CACHE_LOCAL_MAX_BYTES="$WIDE_TIER")
fi

metric mode "$MODE"
metric dataset "$DATASET"
metric dataset_entries "$(python3 -c 'import json, sys; print(len(json.load(open(sys.argv[1]))))' "$DATASET")"
metric fixture "$([[ $DATASET == */universities-fixture.json ]] && echo yes || echo no)"
metric date "$(date -u '+%Y-%m-%d %H:%M UTC')"
metric nproc "$(nproc)"
metric cpu "$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)"
metric kernel "$(uname -r)"
metric memory "$(free -g | awk '/^Mem:/ {print $2 " GiB"}')"
metric java "$(java -version 2>&1 | head -1)"
metric nginx_version "$("$NGINX" -v 2>&1 | sed 's/^nginx version: //')"
metric redis_version "$(redis-server --version | sed -n 's/.* v=\([^ ]*\).*/\1/p')"
metric wrk_version "$(wrk -v 2>&1 | head -1 | awk '{print $2}')"
metric duration "$DURATION"
metric build "$( [[ -n $PLAIN_JAR ]] && echo "$(sha256sum "$PLAIN_JAR" | cut -c1-12) ($PLAIN_JAR of $(date -r "$PLAIN_JAR" '+%H:%M'))" || echo unknown)"
metric rounds "$ROUNDS"
metric warmup "$WARMUP"
metric jit_warmup "$JIT_WARMUP"
metric miss_warmup "$MISS_WARMUP"
metric wide_keys "$WIDE_KEYS"
metric default_tier "$DEFAULT_TIER"
metric wide_tier "$WIDE_TIER $([[ ${#WIDE_ENV[@]} -gt 0 ]] && echo set || echo default)"
metric load_start "$(cut -d' ' -f1-3 /proc/loadavg)"

# CPU accounting, to tell how much of the machine other processes took while this ran: all CPU
# time (/proc/stat, less idle, iowait and steal) minus what this script's processes used.
CLK_TCK=$(getconf CLK_TCK)
metric clk_tck "$CLK_TCK"
cpu_ticks() { awk '/^cpu / {print $2 + $3 + $4 + $7 + $8, $9}' /proc/stat; } # busy, steal
children_ticks() { # CPU of this shell's finished children (wrk, curl, helpers), from `times` output
  awk -v hz="$CLK_TCK" 'NR == 2 {t = 0; for (i = 1; i <= 2; i++) {split($i, a, /[ms]/); t += a[1] * 60 + a[2]} printf "%d\n", t * hz}' "$1"
}
proc_ticks() { # utime + stime of running processes (fields 14 and 15 of /proc/<pid>/stat)
  local total=0 pid fields f
  for pid in "$@"; do
    if [[ -r /proc/$pid/stat ]] && fields=$(<"/proc/$pid/stat"); then
      fields=${fields##*) }                    # after the command name, which may hold spaces
      read -r -a f <<<"$fields"
      total=$((total + f[11] + f[12]))
    fi
  done
  echo "$total"
}
times >"$OUT/times-start.txt"
read -r BUSY_START STEAL_START < <(cpu_ticks)
WALL_START=$(date +%s.%N)

# --- the upstream, Redis, nginx, cachegate -------------------------------------------------------
log "starting fake upstream on $UP, redis on $REDIS, nginx on $NGX and $NGX_W, cachegate on $CG_A $CG_B $CG_C $CG_D $CG_W"
python3 "$BENCH/fake_upstream.py" --port "$UP" --latency-ms 300 --dataset "$DATASET" 2>"$OUT/upstream.log" &
PIDS+=($!)
mkdir -p "$TMP/redis"
redis-server --port "$REDIS" --bind 127.0.0.1 --save "" --appendonly no --dir "$TMP/redis" \
  --logfile "$OUT/redis.log" &
REDIS_PID=$!
PIDS+=($REDIS_PID)

mkdir -p "$TMP/nginx/logs"
# the large working set gets its own zone, entries valid for the whole scenario
nginx_conf "$TMP/nginx" "$OUT/nginx-error.log" "$UP" "$NGX:universities:30s" "$NGX_W:wide:1h" \
  >"$TMP/nginx/nginx.conf"
cp "$TMP/nginx/nginx.conf" "$OUT/nginx.conf"
"$NGINX" -p "$TMP/nginx" -c "$TMP/nginx/nginx.conf" -e "$OUT/nginx-error.log" &
NGINX_PID=$!
PIDS+=($NGINX_PID)

# Instance W's routes file: the built-in route written out (as examples/routes.yml does), with a TTL
# that outlasts the scenario, so that every key stays a hit.
cat >"$TMP/wide-routes.yml" <<YML
routes:
  - name: universities
    path: /universities
    upstream: http://127.0.0.1:$UP/search
    params:
      country: {type: string, lowercase: true}
      name: {type: string, lowercase: true}
      name_contains: {type: string, lowercase: true}
      domain: {type: string, lowercase: true}
      limit: {type: integer, min: 0, max: 999999999}
      offset: {type: integer, min: 0, max: 999999999}
    requireOneOf: [country, name, name_contains, domain]
    ttl: 3600
YML
cp "$TMP/wide-routes.yml" "$OUT/wide-routes.yml"

JAVA_CMD=(env CACHEGATE_JAR="$TMP/cachegate.jar" "$ROOT/bin/cachegate")
metric cachegate_command "bin/cachegate"
start_cachegate() { # name port [VAR=value...]
  local name=$1 port=$2; shift 2
  mkdir -p "$TMP/cg-$name"
  (cd "$TMP/cg-$name" && exec env CACHE_TYPE=redis CACHE_REDIS_URL="redis://127.0.0.1:$REDIS/0" \
    PORT="$port" "$@" "${JAVA_CMD[@]}") \
    >"$OUT/cachegate-$name.log" 2>&1 &
  PIDS+=($!)
  eval "PID_$name=$!"
}
wait_http "http://127.0.0.1:$UP/__count"
until redis-cli -p "$REDIS" ping 2>/dev/null | grep -q PONG; do sleep 0.1; done
API=UNIVERSITIES_API_URL="http://127.0.0.1:$UP"
# One after the other, each UP before the next starts: five JVMs starting at once on a loaded
# machine can miss Redis's connection timeout, and an instance that starts with Redis unreachable
# serves without it until it notices the recovery, which a benchmark must not measure.
start_cachegate A "$CG_A" "$API"
wait_up "http://127.0.0.1:$CG_A/health"
start_cachegate B "$CG_B" "$API" CACHE_LOCAL_MAX_BYTES=0
wait_up "http://127.0.0.1:$CG_B/health"
start_cachegate C "$CG_C" "$API"
wait_up "http://127.0.0.1:$CG_C/health"
start_cachegate D "$CG_D" "$API"
wait_up "http://127.0.0.1:$CG_D/health"
start_cachegate W "$CG_W" CACHEGATE_ROUTES="$TMP/wide-routes.yml" CACHE_KEY_PREFIX=wide "${WIDE_ENV[@]}"
wait_up "http://127.0.0.1:$CG_W/health"
wait_http "http://127.0.0.1:$NGX/universities?country=Andorra"

upstream_count() { # {"count": N, "bytes": B} -> N, without starting an interpreter (a second under load)
  local n; n=$(curl -s "http://127.0.0.1:$UP/__count" | sed -n 's/.*"count": *\([0-9]*\).*/\1/p'); echo "${n:-0}"
}
base_of() {
  case $1 in
    nginx) echo "http://127.0.0.1:$NGX" ;; cg) echo "http://127.0.0.1:$CG_A" ;; cgredis) echo "http://127.0.0.1:$CG_B" ;;
    nginxwide) echo "http://127.0.0.1:$NGX_W" ;; cgwide) echo "http://127.0.0.1:$CG_W" ;;
  esac
}
pids_of() { # the processes whose CPU time a target's requests cost: nginx's master and all its children
  case $1 in
    nginx*) echo "$NGINX_PID" $(pgrep -P "$NGINX_PID" || true) ;;
    cg) echo "$PID_A" ;; cgredis) echo "$PID_B" ;; cgwide) echo "$PID_W" ;;
  esac
}
# One measured wrk run: the CPU time of the target's processes and of Redis around it, in ticks.
measured_wrk() { # id round target wrk-arguments...
  local id=$1 round=$2 target=$3; shift 3
  local pids before redis_before
  pids=$(pids_of "$target")
  # shellcheck disable=SC2086
  before=$(proc_ticks $pids); redis_before=$(proc_ticks "$REDIS_PID")
  wrk "$@" >"$OUT/wrk/$id.r$round.txt"
  # shellcheck disable=SC2086
  metric "cpu.$id.r$round" "$(($(proc_ticks $pids) - before)) $(($(proc_ticks "$REDIS_PID") - redis_before))"
}
# The targets take turns within a round; which one goes first rotates from round to round.
turns() { # round target...
  local round=$1; shift
  local n=$# i
  local targets=("$@")
  for ((i = 0; i < n; i++)); do echo "${targets[$(((round - 1 + i) % n))]}"; done
}
check() { # id url header...: the answer a target gives right before its measured rounds
  local id=$1 url=$2; shift 2
  metric "check.$id" "$(curl -s -o /dev/null "$@" -w '%{http_code} %header{x-cache}%header{x-cache-status} %header{content-encoding} %{size_download}' "$url")"
}

# --- warm hits ---------------------------------------------------------------------------------
declare -A QUERY=([germany]="country=Germany" [us]="country=United%20States")
# United States runs with 64 connections only: the 16-connection rows added two minutes and no target.
declare -A CONNS=([germany]="16 64" [us]="64")
HIT_TARGETS=(nginx cg cgredis)
for country in germany us; do
  for target in "${HIT_TARGETS[@]}"; do curl -s -o /dev/null "$(base_of $target)/universities?${QUERY[$country]}"; done
done
# Warm-up of the hit paths before anything is measured (the JVM compiles its hot code in the first
# seconds of load; nginx gets the same for symmetry): --jit-warmup of wrk per URL and encoding.
for target in "${HIT_TARGETS[@]}"; do
  log "warm-up: $target, 4 x $JIT_WARMUP"
  for country in germany us; do
    wrk -t2 -c16 -d"$JIT_WARMUP" "$(base_of $target)/universities?${QUERY[$country]}" >/dev/null
    wrk -t2 -c16 -d"$JIT_WARMUP" -H 'Accept-Encoding: gzip' "$(base_of $target)/universities?${QUERY[$country]}" >/dev/null
  done
done
for country in germany us; do
  for enc in identity gzip; do
    header=(); [[ $enc == gzip ]] && header=(-H 'Accept-Encoding: gzip')
    for conns in ${CONNS[$country]}; do
      for target in "${HIT_TARGETS[@]}"; do
        url="$(base_of $target)/universities?${QUERY[$country]}"
        wrk -t2 -c"$conns" -d"$WARMUP" "${header[@]}" "$url" >/dev/null
        check "$target.$country.$enc.c$conns" "$url" "${header[@]}"
      done
      # rounds interleave the targets, so that a burst of outside load hits all three alike
      for round in $(seq "$ROUNDS"); do
        for target in $(turns "$round" "${HIT_TARGETS[@]}"); do
          id=$target.$country.$enc.c$conns
          before=$(upstream_count)
          log "round $round: wrk -t2 -c$conns -d$DURATION --latency $target $country $enc"
          measured_wrk "$id" "$round" "$target" -t2 -c"$conns" -d"$DURATION" --latency "${header[@]}" \
            "$(base_of $target)/universities?${QUERY[$country]}"
          metric "upstream_calls.$id.r$round" "$(($(upstream_count) - before))"
        done
      done
    done
  done
done

# --- the large working set: random keys, more than the local tier holds ------------------------
WIDE_PATH="/universities?country=United%20States&limit=200&offset="
# wrk -s random-key.lua URL -- KEYS PREFIX: each request asks for PREFIX<n>, n random in [0, KEYS)
cat >"$OUT/random-key.lua" <<'LUA'
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("number", threads)
end
function init(args)
  keys = tonumber(args[1])
  prefix = args[2]
  math.randomseed(os.time() * 1000 + number)
end
function request()
  return wrk.format(nil, prefix .. math.random(0, keys - 1))
end
LUA
store_errors() { # port: failed store operations so far, all tiers (cachegate_store_errors_total)
  curl -s "http://127.0.0.1:$1/metrics" | awk '/^cachegate_store_errors_total\{/ {n += $NF} END {printf "%d\n", n}'
}
local_tier() { # entries and bytes of W's local tier, from its /metrics
  curl -s "http://127.0.0.1:$CG_W/metrics" | awk '/^cachegate_local_entries/ {e = $NF} /^cachegate_local_bytes/ {b = $NF} END {printf "%d %d\n", e, b}'
}
outcomes() { # W's answered requests by outcome, from its /metrics: hit miss other
  curl -s "http://127.0.0.1:$CG_W/metrics" | awk '/^cachegate_requests_total\{/ {
    if ($0 ~ /outcome="hit"/) h += $NF; else if ($0 ~ /outcome="miss"/) m += $NF; else o += $NF }
    END {printf "%d %d %d\n", h, m, o}'
}
wait_up "http://127.0.0.1:$CG_W/health"
log "large working set: warming $WIDE_KEYS keys on cachegate W and nginx"
before=$(upstream_count)
warming=()
for target in cgwide nginxwide; do
  for ((k = 0; k < WIDE_KEYS; k++)); do
    printf 'url = "%s%s%d"\noutput = /dev/null\n' "$(base_of $target)" "$WIDE_PATH" "$k"
  done >"$TMP/warm-$target.curl"
  # 32 at a time: cachegate's UPSTREAM_MAX_CONCURRENCY, so that none waits in its queue.
  # (--no-progress-meter: curl 7.88 draws its parallel progress meter despite -s.)
  curl -s --no-progress-meter --parallel --parallel-max 32 -w '%{http_code} %{size_download}\n' -K "$TMP/warm-$target.curl" \
    >"$OUT/warm-$target.txt" &
  warming+=($!)
done
wait "${warming[@]}"
metric wide.warm_upstream "$(($(upstream_count) - before))"
for target in cgwide nginxwide; do
  metric "wide.warm.$target" "$(awk '{n++; if ($1 == 200) ok++; bytes += $2} END {printf "%d %d %d\n", n, ok, bytes}' "$OUT/warm-$target.txt")"
done
metric wide.local_after_warm "$(local_tier)"
metric wide.store_errors_after_warm "$(store_errors "$CG_W")"
# the gzip form of the keys, as W serves it (a sample of 20 spread over them)
metric wide.gzip_sample "$(for ((k = 0; k < WIDE_KEYS; k += (WIDE_KEYS + 19) / 20)); do
  curl -s -o /dev/null -H 'Accept-Encoding: gzip' -w '%{size_download}\n' "$(base_of cgwide)$WIDE_PATH$k"; done |
  awk '{n++; s += $1} END {printf "%d %d\n", n, s}')"
metric wide.redis "$(redis-cli -p "$REDIS" --scan --pattern 'wide:*' | awk '{print "STRLEN \"" $0 "\""}' |
  redis-cli -p "$REDIS" | awk '{n++; s += $1} END {printf "%d %d\n", n, s}')"
WIDE_TARGETS=(nginxwide cgwide)
wide_wrk() { # target encoding duration [measured id round]
  local header=(); [[ $2 == gzip ]] && header=(-H 'Accept-Encoding: gzip')
  local args=(-t2 -c64 -d"$3" --latency "${header[@]}" -s "$OUT/random-key.lua" "$(base_of "$1")" -- "$WIDE_KEYS" "$WIDE_PATH")
  if [[ $# -gt 3 ]]; then measured_wrk "$4" "$5" "$1" "${args[@]}"; else wrk "${args[@]}" >/dev/null; fi
}
for target in "${WIDE_TARGETS[@]}"; do
  log "warm-up: $target, 2 x $JIT_WARMUP of random keys"
  for enc in identity gzip; do wide_wrk "$target" "$enc" "$JIT_WARMUP"; done
done
for enc in identity gzip; do
  header=(); [[ $enc == gzip ]] && header=(-H 'Accept-Encoding: gzip')
  for target in "${WIDE_TARGETS[@]}"; do
    wide_wrk "$target" "$enc" "$WARMUP"
    check "$target.$enc.c64" "$(base_of "$target")${WIDE_PATH}0" "${header[@]}"
  done
  for round in $(seq "$ROUNDS"); do
    for target in $(turns "$round" "${WIDE_TARGETS[@]}"); do
      id=$target.$enc.c64
      before=$(upstream_count)
      [[ $target == cgwide ]] && outcomes_before=$(outcomes)
      log "round $round: wrk -t2 -c64 -d$DURATION --latency $target, $WIDE_KEYS random keys, $enc"
      wide_wrk "$target" "$enc" "$DURATION" "$id" "$round"
      metric "upstream_calls.$id.r$round" "$(($(upstream_count) - before))"
      if [[ $target == cgwide ]]; then
        read -r h0 m0 o0 <<<"$outcomes_before"; read -r h1 m1 o1 < <(outcomes)
        metric "outcomes.$id.r$round" "$((h1 - h0)) $((m1 - m0)) $((o1 - o0))"
      fi
    done
  done
done
metric wide.local_after "$(local_tier)"

# --- misses: direct vs through each, 10 fresh keys ----------------------------------------------
# Ten real answers of 17-73 KB. A limit above the country's count makes a fresh key for the whole
# answer; each request opens its own connection.
MISS_COUNTRIES=(Spain Colombia Argentina Poland Canada Brazil "United%20Kingdom" France Germany China)
misses() { # metric-prefix first-limit
  local i q
  for i in $(seq 1 10); do
    q="country=${MISS_COUNTRIES[$((i - 1))]}&limit=$(($2 + i))"
    metric "$1.direct.$i" "$(curl -s -o /dev/null -w '%{time_total} %{size_download}' "http://127.0.0.1:$UP/search?$q")"
    metric "$1.cg.$i" "$(curl -s -o /dev/null -w '%{time_total} %header{x-cache}' "http://127.0.0.1:$CG_A/universities?$q")"
    metric "$1.nginx.$i" "$(curl -s -o /dev/null -w '%{time_total} %header{x-cache-status}' "http://127.0.0.1:$NGX/universities?$q")"
  done
}
log "misses (the JVM has run its miss path only a few times so far)"
misses miss 1000
# The warm-hit scenarios let the JVM compile the hit path; this does the same for the miss path:
# fresh keys through each target, 10 at a time, then 10 more measured misses.
log "miss warm-up: $MISS_WARMUP fresh keys per target"
for base in "http://127.0.0.1:$CG_A" "http://127.0.0.1:$NGX"; do
  for i in $(seq 1 "$MISS_WARMUP"); do
    printf 'url = "%s/universities?country=%s&limit=%d"\noutput = /dev/null\n' "$base" "${MISS_COUNTRIES[$((i % 10))]}" $((5000 + i))
  done >"$TMP/misses.curl"
  curl -s --no-progress-meter --parallel --parallel-max 10 -K "$TMP/misses.curl"
done
log "misses after the warm-up"
misses warmmiss 3000

# --- 200 concurrent requests on a cold key ------------------------------------------------------
burst() { # name path base...
  local name=$1 path=$2; shift 2
  local before; before=$(upstream_count)
  metric "burst.$name" "$(python3 "$BENCH/burst.py" --requests 200 --path "$path" "$@")"
  sleep 0.5
  metric "burst_upstream.$name" "$(($(upstream_count) - before))"
}
log "200 concurrent cold requests"
burst nginx "/universities?country=Germany&limit=2001" "http://127.0.0.1:$NGX"
burst cg "/universities?country=Germany&limit=2002" "http://127.0.0.1:$CG_A"
burst cg3 "/universities?country=Germany&limit=2003" "http://127.0.0.1:$CG_A" "http://127.0.0.1:$CG_C" "http://127.0.0.1:$CG_D"

# --- memory and storage after load --------------------------------------------------------------
status_kb() { awk -v k="$2:" '$1 == k {print $2}' "/proc/$1/status"; }
for name in A B C D W; do
  pid_var=PID_$name
  metric "rss.$name" "$(status_kb "${!pid_var}" VmRSS) $(status_kb "${!pid_var}" VmHWM)"
done
for name in A B W; do
  port_var=CG_$name
  metric "store_errors.$name" "$(store_errors "${!port_var}")"
done
nginx_rss=0; nginx_hwm=0
for pid in $(pids_of nginx); do
  nginx_rss=$((nginx_rss + $(status_kb "$pid" VmRSS))); nginx_hwm=$((nginx_hwm + $(status_kb "$pid" VmHWM)))
done
metric rss.nginx "$nginx_rss $nginx_hwm"
for country in germany us; do
  key=$(curl -s -o /dev/null -w '%header{cache-status}' "http://127.0.0.1:$CG_A/universities?${QUERY[$country]}" | sed -n 's/.*key="\([^"]*\)".*/\1/p')
  metric "redis.$country" "$key $(redis-cli -p "$REDIS" STRLEN "$key") $(redis-cli -p "$REDIS" MEMORY USAGE "$key")"
  file=$(python3 -c 'import hashlib,sys; h=hashlib.md5(sys.argv[1].encode()).hexdigest(); print(f"{h[-1]}/{h[-3:-1]}/{h}")' "/universities?${QUERY[$country]}")
  metric "nginx_file.$country" "$(stat -c %s "$TMP/nginx/universities/$file" 2>/dev/null || echo '?')"
  metric "body.$country" "$(curl -s -o /dev/null -w '%{size_download}' "http://127.0.0.1:$CG_A/universities?${QUERY[$country]}") $(curl -s -o /dev/null -H 'Accept-Encoding: gzip' -w '%{size_download}' "http://127.0.0.1:$CG_A/universities?${QUERY[$country]}") $(curl -s -o /dev/null -H 'Accept-Encoding: gzip' -w '%{size_download}' "http://127.0.0.1:$NGX/universities?${QUERY[$country]}")"
done

# --- start to first answer -----------------------------------------------------------------------
log "start-up time, 3 starts"
for i in 1 2 3; do
  mkdir -p "$TMP/cg-S"
  ms=$(cd "$TMP/cg-S" && env CACHE_TYPE=redis CACHE_REDIS_URL="redis://127.0.0.1:$REDIS/0" \
    UNIVERSITIES_API_URL="http://127.0.0.1:$UP" PORT="$CG_S" \
    python3 "$BENCH/startup.py" --url "http://127.0.0.1:$CG_S/universities?country=Germany" \
      --log "$OUT/cachegate-S.log" -- "${JAVA_CMD[@]}")
  metric "startup.$i" "$ms"
done

metric load_end "$(cut -d' ' -f1-3 /proc/loadavg)"
times >"$OUT/times-end.txt"
read -r busy_end steal_end < <(cpu_ticks)
ours=$(( $(children_ticks "$OUT/times-end.txt") - $(children_ticks "$OUT/times-start.txt") \
  + $(proc_ticks "${PIDS[@]}" $(pgrep -P "$NGINX_PID" || true)) ))
metric cpu_seconds "$(python3 -c 'import sys; start, end, n, hz, busy, ours, steal = map(float, sys.argv[1:]); w = end - start; print(f"{w:.0f} {n * w:.0f} {busy / hz:.0f} {ours / hz:.0f} {steal / hz:.0f}")' \
  "$WALL_START" "$(date +%s.%N)" "$(nproc)" "$CLK_TCK" "$((busy_end - BUSY_START))" "$ours" "$((steal_end - STEAL_START))")"
python3 "$BENCH/report.py" "$OUT" "$BENCH/RESULTS.md"
