#!/usr/bin/env bash
# Soak test for cachegate. NOT part of CI: ./mvnw verify never runs it. Run it by hand, e.g. before
# a release or after changing the engine, the stores or the upstream client; it takes minutes.
#
# It builds target/cachegate.jar and the test classes, then runs cachegate.soak.Soak: cachegate as
# a separate process, launched as the README launches it (bin/cachegate), in front of a real
# redis-server, the fake universities API (50 ms per answer) and an upstream of large answers, through a
# routes file (universities with TTL and stale-while-revalidate at 5 s; two routes of large answers) and
# with CLIENT_HEADER_TIMEOUT=3, called by concurrent clients over a mix of 60 keys, each client on its
# own raw-socket HTTP/1.1 keep-alive connection (a client timeout means cachegate sent no byte of the
# answer for 10 s; the examples under the table name the client's local port), while, every 15 s,
# Redis is killed and restarted, frozen (SIGSTOP) and thawed, the upstream is made slow, failing (503)
# or garbled, or the soak sends hostile traffic of its own: 8 MB answers (over maxEntryBytes), 32
# distinct 4 MiB answers at once, 1,500 slowloris connections. A rotation takes 135 s.
# It prints one Markdown table (requests, statuses, latencies, faults, what the hostile faults sent and
# got back, cachegate's limits from /metrics, upstream requests, cachegate's RSS) and exits non-zero if
# any answer was unexpected or any hostile-fault check failed. Needs a JDK 17, Linux (/proc) and
# about 1,700 file descriptors (ulimit -n). Paste the table into bench/RESULTS.md under "## Soak".
#
# Usage: bench/soak.sh --minutes 4.5          (defaults: --minutes 2 --clients 32; 4.5 injects every fault twice)
set -euo pipefail
cd "$(dirname "$0")/.."

./mvnw -q -B -DskipTests package
./mvnw -q -B dependency:build-classpath -Dmdep.outputFile=target/test-classpath.txt -Dmdep.includeScope=test

# Run from a copy of the build, so that a rebuild during the run (another terminal, an IDE) cannot
# take classes or the jar away from under it.
build=target/soak/build
rm -rf "$build"
mkdir -p "$build"
cp -R target/classes target/test-classes target/cachegate.jar "$build"/

exec java -Dsoak.jar="$build/cachegate.jar" \
  -cp "$build/test-classes:$build/classes:$(cat target/test-classpath.txt)" cachegate.soak.Soak "$@"
