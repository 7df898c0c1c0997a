#!/usr/bin/env python3
"""Fires N requests at once for bench/run.sh and prints one JSON line about them.

Each request has its own thread and its own connection, opened before a barrier; all of them send
their request line when the barrier falls, so the server sees N truly concurrent requests for one
(cold) key. With several base URLs, requests are spread over them round robin (instances sharing a
Redis). Prints {"requests": N, "statuses": {...}, "x_cache": {...}, "max_ms": ..., "p50_ms": ...}.

Usage: burst.py --requests 200 --path '/universities?country=germany&offset=7' URL [URL...]
"""

import argparse
import collections
import http.client
import json
import statistics
import threading
import time
from urllib.parse import urlsplit


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--path", required=True)
    parser.add_argument("bases", nargs="+", help="base URLs, e.g. http://127.0.0.1:5000")
    args = parser.parse_args()

    barrier = threading.Barrier(args.requests)
    results = [None] * args.requests

    def one(i):
        base = urlsplit(args.bases[i % len(args.bases)])
        conn = http.client.HTTPConnection(base.hostname, base.port, timeout=30)
        try:
            conn.connect()
            barrier.wait(timeout=30)
            started = time.monotonic()
            conn.request("GET", args.path)
            response = conn.getresponse()
            response.read()
            cache = response.getheader("X-Cache") or response.getheader("X-Cache-Status") or "-"
            results[i] = (response.status, cache, (time.monotonic() - started) * 1000)
        except Exception as e:  # reported, never hidden
            results[i] = ("error: " + type(e).__name__, "-", 0.0)
        finally:
            conn.close()

    threads = [threading.Thread(target=one, args=(i,)) for i in range(args.requests)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    times = [r[2] for r in results if r[2] > 0]
    print(json.dumps({
        "requests": args.requests,
        "statuses": dict(collections.Counter(str(r[0]) for r in results)),
        "x_cache": dict(collections.Counter(r[1] for r in results)),
        "p50_ms": round(statistics.median(times), 1) if times else None,
        "max_ms": round(max(times), 1) if times else None,
    }))


if __name__ == "__main__":
    main()
