#!/usr/bin/env bash
# JMH microbenchmarks of cachegate's hot-path pieces: key normalisation (Route.key, and with
# QueryString.parse), the Redis envelope (EntryCodec.decode/encode), the body encodings
# (ResponseBody.fromGzip/of/of+gzip) and the freshness decision (Freshness.assess/refreshEarly), on the real
# Germany and United States answers.
#
# Usage: bench/jmh.sh [--skip-build] [JMH options]   (default: -f 1 -wi 3 -i 5 -w 1s -r 2s -prof gc)
#
# bench/jmh/ is a Maven project of its own (the main pom does not know it). This script builds the
# main project (./mvnw -q -B -DskipTests package; --skip-build uses target/ as it is), copies its
# plain jar aside, compiles bench/jmh against it, writes the two answers with the fake upstream's own
# search (bench/fake_upstream.py, real dataset from ../shared/data/universities/ when present), runs
# JMH (about 4 minutes), prints the summary and puts it in bench/RESULTS.md under
# "## JMH microbenchmarks" (replacing an earlier such section). Raw output: bench/out/jmh.log and
# bench/out/jmh-results.csv.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
JMH_DIR=$ROOT/bench/jmh
OUT=$ROOT/bench/out
RESULTS=$ROOT/bench/RESULTS.md

BUILD=1
if [[ ${1:-} == --skip-build ]]; then BUILD=0; shift; fi
JMH_ARGS=("$@")
[[ ${#JMH_ARGS[@]} -gt 0 ]] || JMH_ARGS=(-f 1 -wi 3 -i 5 -w 1s -r 2s -prof gc)

if [[ $BUILD -eq 1 ]]; then ./mvnw -q -B -DskipTests package; fi
shopt -s nullglob
jars=(target/cachegate-*.jar)
[[ ${#jars[@]} -eq 1 ]] || { echo "expected one target/cachegate-<version>.jar, found: ${jars[*]:-none}" >&2; exit 1; }
mkdir -p "$JMH_DIR/target/bodies" "$OUT"
cp "${jars[0]}" "$JMH_DIR/target/cachegate-under-test.jar"
BUILD_ID="$(sha256sum "${jars[0]}" | cut -c1-12) (${jars[0]} of $(date -r "${jars[0]}" '+%H:%M'))"

python3 - "$JMH_DIR/target/bodies" <<'PY'
import sys
sys.path.insert(0, "bench")
from fake_upstream import FIXTURE, SHARED_DATASET, Universities
universities = Universities(SHARED_DATASET if SHARED_DATASET.is_file() else FIXTURE)
for country in ("germany", "united states"):
    with open(f"{sys.argv[1]}/{country.replace(' ', '-')}.json", "wb") as f:
        f.write(universities.search({"country": country}))
PY

./mvnw -q -B -f "$JMH_DIR/pom.xml" -Dcachegate.jar="$JMH_DIR/target/cachegate-under-test.jar" \
  compile dependency:build-classpath -Dmdep.outputFile="$JMH_DIR/target/classpath.txt"

LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
# CPU accounting, as in run.sh: how much of the machine other processes took while JMH ran
cpu_busy() { awk '/^cpu / {print $2 + $3 + $4 + $7 + $8}' /proc/stat; }
children_ticks() {
  awk -v hz="$(getconf CLK_TCK)" 'NR == 2 {t = 0; for (i = 1; i <= 2; i++) {split($i, a, /[ms]/); t += a[1] * 60 + a[2]} printf "%d\n", t * hz}' "$1"
}
times >"$OUT/jmh-times-start.txt"
BUSY_START=$(cpu_busy)
WALL_START=$SECONDS
java -cp "$JMH_DIR/target/classes:$(cat "$JMH_DIR/target/classpath.txt")" org.openjdk.jmh.Main \
  "${JMH_ARGS[@]}" -jvmArgsAppend "-Dcachegate.bench.bodies=$JMH_DIR/target/bodies" \
  -rf csv -rff "$OUT/jmh-results.csv" | tee "$OUT/jmh.log"
LOAD_END=$(cut -d' ' -f1-3 /proc/loadavg)
times >"$OUT/jmh-times-end.txt"
HZ=$(getconf CLK_TCK)
WALL=$((SECONDS - WALL_START))
BUSY=$((($(cpu_busy) - BUSY_START) / HZ))
OURS=$((($(children_ticks "$OUT/jmh-times-end.txt") - $(children_ticks "$OUT/jmh-times-start.txt")) / HZ))
OTHER=$((BUSY > OURS ? BUSY - OURS : 0))

summary=$(
  echo "## JMH microbenchmarks"
  echo
  echo "\`bench/jmh.sh\` on $(date -u '+%Y-%m-%d %H:%M UTC'): JMH 1.37, \`${JMH_ARGS[*]}\`," \
    "cachegate build $BUILD_ID," \
    "$(java -version 2>&1 | head -1), $(nproc) cores, load average at start $LOAD_START, at end" \
    "$LOAD_END; over its $WALL s other processes used about $OTHER of $(($(nproc) * WALL)) CPU-seconds" \
    "(JMH $OURS). Bodies: Germany $(stat -c %s "$JMH_DIR/target/bodies/germany.json") B," \
    "United States $(stat -c %s "$JMH_DIR/target/bodies/united-states.json") B of JSON." \
    "Average time per operation (± the 99.9 % error JMH reports) and bytes allocated per operation."
  echo
  python3 - "$OUT/jmh-results.csv" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], newline="")))
params = [c for c in rows[0] if c.startswith("Param: ")]
def key(row):
    return (row["Benchmark"].split(":")[0], tuple(row[p] for p in params))
def number(x):
    return f"{x:,.0f}" if x >= 100 else f"{x:.1f}" if x >= 10 else f"{x:.2f}" if x >= 1 else f"{x:.3f}"
alloc = {key(r): float(r["Score"]) for r in rows if r["Benchmark"].endswith(":gc.alloc.rate.norm")}
print("| Benchmark | Parameters | Time per op | Allocated per op |")
print("|---|---|---|---|")
for r in rows:
    if ":" in r["Benchmark"]:
        continue
    name = r["Benchmark"].removeprefix("cachegate.")
    given = ", ".join(f"{p[7:]}={r[p]}" for p in params if r[p])
    error = r["Score Error (99.9%)"]
    error = f" ± {number(float(error))}" if error not in ("", "NaN") else ""
    bytes_ = alloc.get(key(r))
    print(f"| `{name}` | {given} | {number(float(r['Score']))}{error} {r['Unit']} | "
          f"{'—' if bytes_ is None else f'{bytes_:,.0f} B'} |")
PY
)
echo "$summary"
if [[ -f $RESULTS ]]; then
  python3 - "$RESULTS" <<'PY'
import sys
path = sys.argv[1]
text = open(path, encoding="utf-8").read()
cut = text.find("\n## JMH microbenchmarks")
if cut >= 0:
    # Drop the earlier JMH section only: the sections after it (the soak's) stay.
    after = text.find("\n## ", cut + 1)
    text = text[:cut] + (text[after:] if after >= 0 else "")
open(path, "w", encoding="utf-8").write(text.rstrip("\n") + "\n")
PY
  printf '\n%s\n' "$summary" >>"$RESULTS"
else
  printf '%s\n' "$summary" >"$RESULTS"
fi
