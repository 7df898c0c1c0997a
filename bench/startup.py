#!/usr/bin/env python3
"""Time from process start to first successful answer, for bench/run.sh and before/after comparisons.

Each start spawns COMMAND (with the current environment), polls URL every 10 ms with a fresh
connection (each poll times out after 2 s) until it answers 200, takes the milliseconds from just
before the process was spawned to the end of that answer, then stops the process (SIGTERM, then
SIGKILL after 15 s) before the next start. What is timed is what a client sees: the JVM's own start,
cachegate's start-up, and the first request with everything it loads and waits for.

  --starts N        start N times (default 1), each command
  --miss            give each start a fresh CACHE_KEY_PREFIX (startup-<pid>-<n>), so that its first
                    request is a miss even when Redis still holds an earlier start's answer
  -- A... -- B...   two commands: starts take turns in the order A B B A A B ..., so that a machine
                    getting busier or quieter weighs on both alike

Output, on standard output: one line per start (the command's label, A or B, when there are two,
then the milliseconds), then, when there are several starts, one summary line per command:

  first answer A: median 812.3 ms, range 760.1-901.2 ms over 10 starts; CPU used by then median
  1450 ms, range 1380-1530 ms

(one line). The CPU figure is the JVM process's user+system time (all its threads, /proc/<pid>/stat)
when the first 200 arrived: on a busy machine it moves far less than the wall-clock time, so it shows
whether a change cut work even when the clock is noisy; CPU above wall time means threads ran in
parallel.

With one start and one command (bench/run.sh's use) the output is just the milliseconds. The load
average before and after goes to standard error. Exits non-zero if a start had no 200 within
--timeout seconds.

Usage: startup.py --url http://127.0.0.1:5005/universities?country=Germany [--starts N] [--miss]
                  [--log FILE] [--timeout S] -- COMMAND... [-- COMMAND...]
"""

import argparse
import http.client
import os
import statistics
import subprocess
import sys
import time
from urllib.parse import urlsplit


def answers_200(url):
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=2)
    try:
        conn.request("GET", parts.path + ("?" + parts.query if parts.query else ""))
        response = conn.getresponse()
        response.read()
        return response.status == 200
    except OSError:
        return False
    finally:
        conn.close()


def cpu_ms(pid):
    """User plus system CPU time of process pid so far, in milliseconds (its threads included)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) * 1000 / os.sysconf("SC_CLK_TCK")


def first_answer(command, url, log, timeout, env):
    """(milliseconds from spawning command to its first 200 on url, CPU milliseconds the process
    had used by then), or None. The command must exec the JVM (bin/cachegate and env do)."""
    started = time.monotonic()
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env)
    try:
        while time.monotonic() - started < timeout:
            if answers_200(url):
                return round((time.monotonic() - started) * 1000, 1), cpu_ms(process.pid)
            if process.poll() is not None:
                print(f"process exited with {process.returncode} before answering", file=sys.stderr)
                return None
            time.sleep(0.01)
        print(f"no 200 from {url} within {timeout} s", file=sys.stderr)
        return None
    finally:
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def commands(words):
    """The one or two commands of words, split at a '--' between them."""
    if words and words[0] == "--":
        words = words[1:]
    if "--" in words:
        cut = words.index("--")
        return [words[:cut], words[cut + 1 :]]
    return [words]


def order(starts, count):
    """Which command each start runs: A B B A A B ... for two, so that drift weighs on both."""
    if count == 1:
        return [0] * starts
    return [[0, 1, 1, 0][i % 4] for i in range(starts * 2)]


def load():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def main():
    parser = argparse.ArgumentParser(usage=__doc__.split("Usage: ")[1])
    parser.add_argument("--url", required=True)
    parser.add_argument("--log", default="/dev/null")
    parser.add_argument("--timeout", type=float, default=30)
    parser.add_argument("--starts", type=int, default=1)
    parser.add_argument("--miss", action="store_true")
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    cmds = commands(args.command)
    if not cmds[0] or not cmds[-1]:
        parser.error("a command is required after --")
    labels = ["A", "B"] if len(cmds) == 2 else [""]
    times = [[] for _ in cmds]
    cpus = [[] for _ in cmds]
    print(f"load average before: {load()}", file=sys.stderr)
    with open(args.log, "ab") as log:
        for n, which in enumerate(order(args.starts, len(cmds))):
            env = dict(os.environ)
            if args.miss:
                env["CACHE_KEY_PREFIX"] = f"startup-{os.getpid()}-{n}"
            answer = first_answer(cmds[which], args.url, log, args.timeout, env)
            if answer is None:
                return 1
            ms, cpu = answer
            times[which].append(ms)
            cpus[which].append(cpu)
            print(f"{labels[which]} {ms}".strip(), flush=True)
            print(f"{labels[which]} CPU {cpu:.0f} ms".strip(), file=sys.stderr, flush=True)
    print(f"load average after: {load()}", file=sys.stderr)
    if args.starts > 1:
        for label, ms, cpu in zip(labels, times, cpus):
            name = f"first answer {label}".strip()
            print(
                f"{name}: median {statistics.median(ms):.1f} ms, range {min(ms):.1f}-{max(ms):.1f} ms"
                f" over {len(ms)} starts; CPU used by then median {statistics.median(cpu):.0f} ms,"
                f" range {min(cpu):.0f}-{max(cpu):.0f} ms"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
