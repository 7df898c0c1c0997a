#!/usr/bin/env bash
# Benchmark: cachegate against nginx proxy_cache, in front of the same slow fake universities API.
#
# Usage: bench/run.sh [--duration 5s] [--rounds 3] [--warmup 1s] [--jit-warmup 5s] [--skip-build]
#
# One command, about 10 minutes on 2 cores with the defaults. It installs what is missing from
# Debian's packages (wrk, nginx, redis-server), builds target/cachegate.jar (./mvnw -q -B -DskipTests
# package; --skip-build uses the jar as it is) and copies it aside so that other builds cannot swap
# it mid-run. Then, all on 127.0.0.1:
#   - bench/fake_upstream.py: the universities API's /search with 300 ms per answer, serving the real
#     dataset from ../shared/data/universities/ when present (else the test fixture), counting calls;
#   - a private redis-server on a free port (--save "" --appendonly no);
#   - cachegate as the README's quickstart launches it, `bin/cachegate` (on a copy of the jar, for which
#     the same training run the build uses makes the class-data archive), with
#     CACHE_TYPE=redis, CACHE_REDIS_URL, UNIVERSITIES_API_URL and PORT set and everything else at its
#     default: instance A (local tier on), B (CACHE_LOCAL_MAX_BYTES=0: every hit is a Redis hit),
#     C and D (defaults, for the three-instance test); each runs in an empty directory (no .env);
#   - nginx (as the current user, `-p tmpdir -c conf`, daemon off, 2 workers, access_log off) with
#     proxy_cache (key $uri$is_args$args, proxy_cache_valid 200 30s, proxy_cache_lock on,
#     tcp_nopush off, and - like cachegate's stale-while-revalidate - proxy_cache_use_stale updating
#     with proxy_cache_background_update on) and `gzip on` for application/json at its default level,
#     since the upstream sends identity only and that is how nginx would serve gzip clients.
# It measures, with the same keys and the same wrk settings for nginx and cachegate:
#   - warm hits: Germany (66 KB) and United States (438 KB), identity and Accept-Encoding: gzip,
#     wrk -t2 -c16 and -t2 -c64 --latency (req/s, p50, p99), for nginx, cachegate A and cachegate B:
#     after a warm-up of every target (--jit-warmup per URL and encoding, so that the JVM has
#     compiled its hit path), each scenario gets a --warmup run per target, a check that every
#     target answers from its cache, then --rounds runs of --duration per target, the three taking
#     turns; the report gives the median of the rounds;
#   - a cold miss's added latency: median of 10 fresh keys, direct to the upstream vs through each,
#     once with the miss path as the warm-hit scenarios left it, once more after 300 misses per
#     target (10 at a time) have let the JVM compile it;
#   - 200 concurrent requests on a cold key (bench/burst.py), upstream calls counted; the same
#     spread over cachegate A, C and D sharing the Redis;
#   - RSS (VmRSS, VmHWM) after load, Redis STRLEN and MEMORY USAGE per entry, and the time from
#     `java` to the first 200 for Germany (bench/startup.py, 3 starts, entry already in Redis).
# It prints one Markdown table (bench/report.py) and writes it to bench/RESULTS.md; raw outputs and
# logs stay in bench/out/ (access logs cut to their ends). Everything it started is stopped on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BENCH=$ROOT/bench

DURATION=5s
ROUNDS=3
WARMUP=1s
JIT_WARMUP=5s
BUILD=1
while [[ $# -gt 0 ]]; do
  case $1 in
    --duration) DURATION=$2; shift 2 ;;
    --rounds) ROUNDS=$2; shift 2 ;;
    --warmup) WARMUP=$2; shift 2 ;;
    --jit-warmup) JIT_WARMUP=$2; shift 2 ;;
    --skip-build) BUILD=0; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown argument: $1 (try --help)" >&2; exit 2 ;;
  esac
done

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

read -r UP REDIS NGX CG_A CG_B CG_C CG_D CG_S < <(python3 - <<'EOF'
import socket
socks = [socket.socket() for _ in range(8)]
for s in socks:
    s.bind(("127.0.0.1", 0))
print(*[s.getsockname()[1] for s in socks])
EOF
)

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
metric jit_warmup "$JIT_WARMUP"
metric load_start "$(cut -d' ' -f1-3 /proc/loadavg)"

# CPU accounting, to tell how much of the machine other processes took while this ran: all CPU
# time (/proc/stat, less idle, iowait and steal) minus what this script's processes used.
CLK_TCK=$(getconf CLK_TCK)
cpu_ticks() { awk '/^cpu / {print $2 + $3 + $4 + $7 + $8, $9}' /proc/stat; } # busy, steal
children_ticks() { # CPU of this shell's finished children (wrk, curl, helpers), from `times` output
  awk -v hz="$CLK_TCK" 'NR == 2 {t = 0; for (i = 1; i <= 2; i++) {split($i, a, /[ms]/); t += a[1] * 60 + a[2]} printf "%d\n", t * hz}' "$1"
}
proc_ticks() { # utime + stime of running processes
  local total=0 pid
  for pid in "$@"; do
    [[ -r /proc/$pid/stat ]] && total=$((total + $(sed 's/.*) //' "/proc/$pid/stat" | awk '{print $12 + $13}')))
  done
  echo "$total"
}
times >"$OUT/times-start.txt"
read -r BUSY_START STEAL_START < <(cpu_ticks)
WALL_START=$(date +%s.%N)

# --- the upstream, Redis, nginx, cachegate -------------------------------------------------------
log "starting fake upstream on $UP, redis on $REDIS, nginx on $NGX, cachegate on $CG_A $CG_B $CG_C $CG_D"
python3 "$BENCH/fake_upstream.py" --port "$UP" --latency-ms 300 2>"$OUT/upstream.log" &
PIDS+=($!)
mkdir -p "$TMP/redis"
redis-server --port "$REDIS" --bind 127.0.0.1 --save "" --appendonly no --dir "$TMP/redis" \
  --logfile "$OUT/redis.log" &
PIDS+=($!)

mkdir -p "$TMP/nginx/logs"
NGINX_USER=""
[[ $EUID -eq 0 ]] && NGINX_USER="user $(id -un) $(id -gn);"
cat >"$TMP/nginx/nginx.conf" <<EOF
$NGINX_USER
worker_processes 2;
daemon off;
pid $TMP/nginx/nginx.pid;
error_log $OUT/nginx-error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  default_type application/octet-stream;
  sendfile on;
  tcp_nopush off;
  tcp_nodelay on;
  client_body_temp_path $TMP/nginx/client_body;
  proxy_temp_path $TMP/nginx/proxy_temp;
  fastcgi_temp_path $TMP/nginx/fastcgi_temp;
  uwsgi_temp_path $TMP/nginx/uwsgi_temp;
  scgi_temp_path $TMP/nginx/scgi_temp;
  proxy_cache_path $TMP/nginx/cache levels=1:2 keys_zone=universities:10m max_size=1g inactive=10m use_temp_path=off;
  gzip on;
  gzip_types application/json;
  gzip_proxied any;
  gzip_vary on;
  upstream universities { server 127.0.0.1:$UP; keepalive 32; }
  server {
    listen 127.0.0.1:$NGX;
    location = /universities {
      proxy_pass http://universities/search\$is_args\$args;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_cache universities;
      proxy_cache_key \$uri\$is_args\$args;
      proxy_cache_valid 200 30s;
      proxy_cache_lock on;
      proxy_cache_use_stale updating;
      proxy_cache_background_update on;
      add_header X-Cache-Status \$upstream_cache_status always;
    }
  }
}
EOF
cp "$TMP/nginx/nginx.conf" "$OUT/nginx.conf"
"$NGINX" -p "$TMP/nginx" -c "$TMP/nginx/nginx.conf" -e "$OUT/nginx-error.log" &
NGINX_PID=$!
PIDS+=($NGINX_PID)

JAVA_CMD=(env CACHEGATE_JAR="$TMP/cachegate.jar" "$ROOT/bin/cachegate")
metric cachegate_command "bin/cachegate"
start_cachegate() { # name port [VAR=value...]
  local name=$1 port=$2; shift 2
  mkdir -p "$TMP/cg-$name"
  (cd "$TMP/cg-$name" && exec env CACHE_TYPE=redis CACHE_REDIS_URL="redis://127.0.0.1:$REDIS/0" \
    UNIVERSITIES_API_URL="http://127.0.0.1:$UP" PORT="$port" "$@" "${JAVA_CMD[@]}") \
    >"$OUT/cachegate-$name.log" 2>&1 &
  PIDS+=($!)
  eval "PID_$name=$!"
}
wait_http "http://127.0.0.1:$UP/__count"
until redis-cli -p "$REDIS" ping 2>/dev/null | grep -q PONG; do sleep 0.1; done
start_cachegate A "$CG_A"
start_cachegate B "$CG_B" CACHE_LOCAL_MAX_BYTES=0
start_cachegate C "$CG_C"
start_cachegate D "$CG_D"
for port in "$CG_A" "$CG_B" "$CG_C" "$CG_D"; do wait_http "http://127.0.0.1:$port/health"; done
wait_http "http://127.0.0.1:$NGX/universities?country=Andorra"

upstream_count() { curl -s "http://127.0.0.1:$UP/__count" | python3 -c 'import json,sys; print(json.load(sys.stdin)["count"])'; }
base_of() { case $1 in nginx) echo "http://127.0.0.1:$NGX" ;; cg) echo "http://127.0.0.1:$CG_A" ;; cgredis) echo "http://127.0.0.1:$CG_B" ;; esac; }

# --- warm hits ---------------------------------------------------------------------------------
declare -A QUERY=([germany]="country=Germany" [us]="country=United%20States")
for country in germany us; do
  for target in nginx cg cgredis; do curl -s -o /dev/null "$(base_of $target)/universities?${QUERY[$country]}"; done
done
# Warm-up of the hit paths before anything is measured (the JVM compiles its hot code in the first
# seconds of load; nginx gets the same for symmetry): --jit-warmup of wrk per URL and encoding.
for target in nginx cg cgredis; do
  log "warm-up: $target, 4 x $JIT_WARMUP"
  for country in germany us; do
    wrk -t2 -c16 -d"$JIT_WARMUP" "$(base_of $target)/universities?${QUERY[$country]}" >/dev/null
    wrk -t2 -c16 -d"$JIT_WARMUP" -H 'Accept-Encoding: gzip' "$(base_of $target)/universities?${QUERY[$country]}" >/dev/null
  done
done
for country in germany us; do
  for enc in identity gzip; do
    header=(); [[ $enc == gzip ]] && header=(-H 'Accept-Encoding: gzip')
    for conns in 16 64; do
      for target in nginx cg cgredis; do
        id=$target.$country.$enc.c$conns
        url="$(base_of $target)/universities?${QUERY[$country]}"
        wrk -t2 -c"$conns" -d"$WARMUP" "${header[@]}" "$url" >/dev/null
        # the answer wrk is about to get: status, cache status, encoding, size
        metric "check.$id" "$(curl -s -o /dev/null "${header[@]}" -w '%{http_code} %header{x-cache}%header{x-cache-status} %header{content-encoding} %{size_download}' "$url")"
      done
      # rounds interleave the targets, so that a burst of outside load hits all three alike
      for round in $(seq "$ROUNDS"); do
        for target in nginx cg cgredis; do
          id=$target.$country.$enc.c$conns
          before=$(upstream_count)
          log "round $round: wrk -t2 -c$conns -d$DURATION --latency $target $country $enc"
          wrk -t2 -c"$conns" -d"$DURATION" --latency "${header[@]}" \
            "$(base_of $target)/universities?${QUERY[$country]}" >"$OUT/wrk/$id.r$round.txt"
          metric "upstream_calls.$id.r$round" "$(($(upstream_count) - before))"
        done
      done
    done
  done
done

# --- cold misses: direct vs through each, 10 fresh keys ----------------------------------------
misses() { # metric-prefix first-limit
  for i in $(seq 1 10); do
    q="country=Germany&limit=$(($2 + i))"
    metric "$1.direct.$i" "$(curl -s -o /dev/null -w '%{time_total}' "http://127.0.0.1:$UP/search?$q")"
    metric "$1.cg.$i" "$(curl -s -o /dev/null -w '%{time_total} %header{x-cache}' "http://127.0.0.1:$CG_A/universities?$q")"
    metric "$1.nginx.$i" "$(curl -s -o /dev/null -w '%{time_total} %header{x-cache-status}' "http://127.0.0.1:$NGX/universities?$q")"
  done
}
log "cold misses (the JVM has run its miss path only a few times so far)"
misses miss 1000
# The warm-hit scenarios let the JVM compile the hit path; this does the same for the miss path:
# 300 fresh keys through each target, 10 at a time, then 10 more measured misses.
log "miss warm-up: 300 fresh keys per target"
for base in "http://127.0.0.1:$CG_A" "http://127.0.0.1:$NGX"; do
  for i in $(seq 1 300); do
    printf 'url = "%s/universities?country=Germany&limit=%d"\noutput = /dev/null\n' "$base" $((5000 + i))
  done >"$TMP/misses.curl"
  curl -s --parallel --parallel-max 10 -K "$TMP/misses.curl"
done
log "cold misses after the warm-up"
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
for name in A B C D; do
  pid_var=PID_$name
  metric "rss.$name" "$(status_kb "${!pid_var}" VmRSS) $(status_kb "${!pid_var}" VmHWM)"
done
nginx_rss=0; nginx_hwm=0
for pid in $NGINX_PID $(pgrep -P "$NGINX_PID" || true); do
  nginx_rss=$((nginx_rss + $(status_kb "$pid" VmRSS))); nginx_hwm=$((nginx_hwm + $(status_kb "$pid" VmHWM)))
done
metric rss.nginx "$nginx_rss $nginx_hwm"
for country in germany us; do
  key=$(curl -s -o /dev/null -w '%header{cache-status}' "http://127.0.0.1:$CG_A/universities?${QUERY[$country]}" | sed -n 's/.*key="\([^"]*\)".*/\1/p')
  metric "redis.$country" "$key $(redis-cli -p "$REDIS" STRLEN "$key") $(redis-cli -p "$REDIS" MEMORY USAGE "$key")"
  file=$(python3 -c 'import hashlib,sys; h=hashlib.md5(sys.argv[1].encode()).hexdigest(); print(f"{h[-1]}/{h[-3:-1]}/{h}")' "/universities?${QUERY[$country]}")
  metric "nginx_file.$country" "$(stat -c %s "$TMP/nginx/cache/$file" 2>/dev/null || echo '?')"
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
