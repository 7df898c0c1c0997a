#!/usr/bin/env python3
"""Time from process start to first successful answer, for bench/run.sh.

Starts COMMAND (with the current environment), polls URL every 20 ms with a fresh connection (each
poll times out after 1 s) until it answers 200, prints the milliseconds from just before the process
was spawned to the end of that answer, then stops the process (SIGTERM, then SIGKILL after 15 s).
Exits non-zero if no 200 came within --timeout seconds.

Usage: startup.py --url http://127.0.0.1:5005/universities?country=Germany [--log FILE] -- COMMAND...
"""

import argparse
import http.client
import subprocess
import sys
import time
from urllib.parse import urlsplit


def answers_200(url):
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=1)
    try:
        conn.request("GET", parts.path + ("?" + parts.query if parts.query else ""))
        response = conn.getresponse()
        response.read()
        return response.status == 200
    except OSError:
        return False
    finally:
        conn.close()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--log", default="/dev/null")
    parser.add_argument("--timeout", type=float, default=30)
    parser.add_argument("command", nargs="+")
    args = parser.parse_args()
    with open(args.log, "ab") as log:
        started = time.monotonic()
        process = subprocess.Popen(args.command, stdout=log, stderr=subprocess.STDOUT)
        try:
            while time.monotonic() - started < args.timeout:
                if answers_200(args.url):
                    print(round((time.monotonic() - started) * 1000, 1))
                    return 0
                if process.poll() is not None:
                    print(f"process exited with {process.returncode} before answering", file=sys.stderr)
                    return 1
                time.sleep(0.02)
            print(f"no 200 from {args.url} within {args.timeout} s", file=sys.stderr)
            return 1
        finally:
            process.terminate()
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


if __name__ == "__main__":
    sys.exit(main())
