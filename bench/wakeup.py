#!/usr/bin/env python3
"""How long a thread woken after a short and after a long sleep takes to run, on this machine.

A miss through cachegate wakes threads that have slept as long as the upstream took: the event loop
that reads the upstream's answer, the loop that answers the client when it is another, and the
client. This measures that cost without cachegate: the process sleeps SHORT or LONG milliseconds
(in turns), then sends one byte over a socket pair to a child process blocked in recv, which sends
it back: one round trip, two wake-ups of processes that had slept that long. With --busy N, N
processes spin on the CPU meanwhile (as other builds and benchmarks do on a shared machine).

Usage: wakeup.py [--rounds 60] [--short-ms 20] [--long-ms 300] [--busy 0]

Prints, for each sleep, the median and 90th percentile of the round trip in microseconds, and the
load average at the end.
"""

import argparse
import os
import signal
import socket
import statistics
import time


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=60)
    parser.add_argument("--short-ms", type=float, default=20)
    parser.add_argument("--long-ms", type=float, default=300)
    parser.add_argument("--busy", type=int, default=0)
    args = parser.parse_args()

    spinners = []
    for _ in range(args.busy):
        pid = os.fork()
        if pid == 0:
            while True:
                pass
        spinners.append(pid)
    ours, theirs = socket.socketpair()
    echo = os.fork()
    if echo == 0:
        ours.close()
        while byte := theirs.recv(1):
            theirs.send(byte)
        os._exit(0)
    theirs.close()
    try:
        trips = {args.short_ms: [], args.long_ms: []}
        for _ in range(args.rounds):
            for sleep_ms in trips:
                time.sleep(sleep_ms / 1000)
                started = time.perf_counter()
                ours.send(b"x")
                ours.recv(1)
                trips[sleep_ms].append((time.perf_counter() - started) * 1e6)
    finally:
        ours.close()
        for pid in spinners:
            os.kill(pid, signal.SIGKILL)
        for pid in spinners + [echo]:
            os.waitpid(pid, 0)
    for sleep_ms, times in trips.items():
        times.sort()
        print(f"after {sleep_ms:g} ms asleep: round trip median {statistics.median(times):.0f} us, "
              f"p90 {times[int(len(times) * 0.9)]:.0f} us ({len(times)} trips, {args.busy} busy)")
    with open("/proc/loadavg") as f:
        print(f"load {' '.join(f.read().split()[:3])}")


if __name__ == "__main__":
    main()
