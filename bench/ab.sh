#!/usr/bin/env bash
# Before and after: CPU time per warm hit of the jar at a base revision against the working tree's, in one
# run on one machine, so that a change that claims a gain (or no cost) shows it.
#
# Usage: bench/ab.sh --base REV [--rounds 5] [--duration 8s]
#
# It builds REV in a temporary git worktree and the working tree as it is (./mvnw -q -B -DskipTests package),
# starts a private redis-server and bench/fake_upstream.py (50 ms per answer, the real dataset when present),
# then both jars side by side, each launched as its own revision launched it (bin/cachegate when it has one),
# CACHE_TYPE=redis with its own key prefix. After a warm-up of every target on both, it runs --rounds rounds
# of wrk -t2 -c64 -d DURATION per target, the two taking turns (which goes first alternates), and reads each
# process's user+system CPU time from /proc/<pid>/stat around each run. Targets: Germany (66 KB) identity and
# gzip, United States (438 KB) identity, all warm local-tier hits. It prints, per target, the median over
# rounds of CPU microseconds per request (steadier than requests per second on a shared machine) and of
# requests per second, and each process's peak RSS (VmHWM).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BASE="" ROUNDS=5 DURATION=8s
while [[ $# -gt 0 ]]; do
  case $1 in
    --base) BASE=$2; shift 2 ;;
    --rounds) ROUNDS=$2; shift 2 ;;
    --duration) DURATION=$2; shift 2 ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown argument: $1 (try --help)" >&2; exit 2 ;;
  esac
done
[[ -n $BASE ]] || { echo "--base REV is required" >&2; exit 2; }
for tool in wrk redis-server python3 java; do command -v $tool >/dev/null || { echo "needs $tool" >&2; exit 1; }; done

TMP=$(mktemp -d)
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  [[ -n ${REDIS_PORT:-} ]] && redis-cli -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 || true
  git worktree remove --force "$TMP/base" >/dev/null 2>&1 || true
  rm -rf "$TMP"
}
trap cleanup EXIT
log() { printf '[ab %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

log "building $BASE and the working tree"
git worktree add -q --detach "$TMP/base" "$BASE"
(cd "$TMP/base" && ./mvnw -q -B -DskipTests package)
./mvnw -q -B -DskipTests package

REDIS_PORT=$(free_port)
redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no --daemonize yes \
  --logfile "$TMP/redis.log" >/dev/null
UP=$(free_port)
python3 bench/fake_upstream.py --port "$UP" --latency-ms 50 >"$TMP/upstream.log" 2>&1 &
PIDS+=($!)

# Launches the jar of checkout $1 as that checkout launched it (bin/cachegate, else jvm.options, else the flags
# of the README before either), on port $2, with key prefix $3; prints its pid (exec keeps java's pid).
launch() {
  local dir=$1 port=$2 prefix=$3 command
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
    "${command[@]}" >"$TMP/$prefix.log" 2>&1) &
  echo $!
}
BASE_PORT=$(free_port); HEAD_PORT=$(free_port)
BASE_PID=$(launch "$TMP/base" "$BASE_PORT" base)
HEAD_PID=$(launch "$ROOT" "$HEAD_PORT" head)
PIDS+=("$BASE_PID" "$HEAD_PID")
for port in "$BASE_PORT" "$HEAD_PORT"; do
  for _ in $(seq 1 100); do curl -fs -o /dev/null "http://127.0.0.1:$port/health" && break; sleep 0.2; done
done

TARGETS=("germany identity|/universities?country=Germany|" "germany gzip|/universities?country=Germany|gzip"
         "united-states identity|/universities?country=United+States|")
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
run() { # port path encoding duration -> wrk output
  local headers=(); [[ -n $3 ]] && headers=(-H "Accept-Encoding: $3")
  wrk -t2 -c64 -d"$4" --latency "${headers[@]}" "http://127.0.0.1:$1$2" 2>&1
}
log "warm-up"
for target in "${TARGETS[@]}"; do
  IFS='|' read -r _ path enc <<<"$target"
  for port in "$BASE_PORT" "$HEAD_PORT"; do run "$port" "$path" "$enc" 6s >/dev/null; done
done
TICK_US=$((1000000 / $(getconf CLK_TCK)))
echo "round target variant requests cpu_us_per_request requests_per_second" >"$TMP/rounds"
for round in $(seq 1 "$ROUNDS"); do
  log "round $round of $ROUNDS"
  for target in "${TARGETS[@]}"; do
    IFS='|' read -r name path enc <<<"$target"
    order=(base head); (( round % 2 == 0 )) && order=(head base)
    for variant in "${order[@]}"; do
      if [[ $variant == base ]]; then pid=$BASE_PID port=$BASE_PORT; else pid=$HEAD_PID port=$HEAD_PORT; fi
      before=$(cpu_ticks "$pid"); out=$(run "$port" "$path" "$enc" "$DURATION"); after=$(cpu_ticks "$pid")
      requests=$(awk '/requests in/ {print $1}' <<<"$out"); rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
      per=$(awk -v t=$((after - before)) -v us="$TICK_US" -v n="$requests" 'BEGIN {printf "%.2f", t * us / n}')
      echo "$round ${name// /_} $variant $requests $per $rps" >>"$TMP/rounds"
    done
  done
done
python3 - "$TMP/rounds" "$BASE" <<'PY'
import statistics, sys
rows = [line.split() for line in open(sys.argv[1]).read().splitlines()[1:]]
print(f"| Warm hit, wrk -t2 -c64 | {sys.argv[2]}: CPU µs/request, req/s | working tree: CPU µs/request, req/s |")
print("|---|---|---|")
for target in dict.fromkeys(r[1] for r in rows):
    cells = []
    for variant in ("base", "head"):
        mine = [r for r in rows if r[1] == target and r[2] == variant]
        cpu = statistics.median(float(r[4]) for r in mine)
        rps = statistics.median(float(r[5]) for r in mine)
        cells.append(f"{cpu:.1f}, {rps:,.0f}")
    print(f"| {target.replace('_', ' ')} | {cells[0]} | {cells[1]} |")
PY
echo
echo "Peak RSS: $BASE $(awk '/VmHWM/ {print $2, $3}' /proc/$BASE_PID/status), working tree $(awk '/VmHWM/ {print $2, $3}' /proc/$HEAD_PID/status)"
