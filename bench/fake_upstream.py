#!/usr/bin/env python3
"""A fake universities API for bench/run.sh: answers like GET /search of the real one, slowly.

It loads the real dataset (../shared/data/universities/world_universities_and_domains.json beside the
repository) when present, else src/test/resources/universities-fixture.json, and answers
/search?country=..&name=..&name_contains=..&domain=..&limit=..&offset=.. as the real API does:
country and domain match exactly, name at a word start, name_contains anywhere, all ignoring case;
offset and limit page. Bodies are json.dumps with its default separators (", " and ": ", ASCII
escapes), so Germany is about 66 KB and United States about 438 KB, as from the real API.

Every /search answer waits --latency-ms (300 by default, the real API's order of magnitude) on its
own thread, so concurrent requests overlap as they would against a remote server. The answer is
computed per request (no memoisation), so a direct request and one through a proxy cost the upstream
the same. With --gzip, a request whose Accept-Encoding names gzip is answered Content-Encoding: gzip
(level 6, one member, as nginx and most APIs send it; compressed within the latency). Requests to
/search and the body bytes sent for them are counted: GET /__count answers {"count": N, "bytes": B},
POST /__reset sets both to 0. It binds to 127.0.0.1 only, and sends with TCP_NODELAY, as production
HTTP servers do.

Usage: fake_upstream.py --port 8080 [--latency-ms 300] [--dataset PATH] [--gzip]
"""

import argparse
import gzip
import json
import re
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

REPO = Path(__file__).resolve().parent.parent
SHARED_DATASET = REPO.parent / "shared" / "data" / "universities" / "world_universities_and_domains.json"
FIXTURE = REPO / "src" / "test" / "resources" / "universities-fixture.json"


class Universities:
    def __init__(self, path):
        self.path = path
        with open(path, encoding="utf-8") as f:
            self.all = json.load(f)
        self.by_country = {}
        for u in self.all:
            self.by_country.setdefault(str(u.get("country", "")).lower(), []).append(u)

    def search(self, params):
        country = params.get("country")
        matches = self.by_country.get(country.lower(), []) if country is not None else self.all
        name = params.get("name")
        if name is not None:
            word_start = re.compile(r"\b" + re.escape(name.lower()))
            matches = [u for u in matches if word_start.search(str(u.get("name", "")).lower())]
        contains = params.get("name_contains")
        if contains is not None:
            matches = [u for u in matches if contains.lower() in str(u.get("name", "")).lower()]
        domain = params.get("domain")
        if domain is not None:
            matches = [u for u in matches if any(domain.lower() == str(d).lower() for d in u.get("domains", []))]
        offset = int(params.get("offset") or 0)
        limit = params.get("limit")
        matches = matches[offset:] if limit is None else matches[offset : offset + int(limit)]
        return json.dumps(matches).encode("utf-8")


class Counter:
    def __init__(self):
        self.lock = threading.Lock()
        self.value = 0
        self.bytes = 0

    def increment(self):
        with self.lock:
            self.value += 1

    def sent(self, count):
        with self.lock:
            self.bytes += count

    def reset(self):
        with self.lock:
            self.value = 0
            self.bytes = 0


def handler(universities, counter, latency, serve_gzip):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self):
            url = urlsplit(self.path)
            if url.path == "/__count":
                self.send(200, json.dumps({"count": counter.value, "bytes": counter.bytes}).encode())
            elif url.path == "/search":
                counter.increment()
                started = time.monotonic()
                try:
                    params = dict(parse_qsl(url.query, keep_blank_values=True))
                    body = universities.search(params)
                    status = 200
                except (ValueError, re.error) as e:
                    body, status = json.dumps({"error": str(e)}).encode(), 400
                encoding = None
                if serve_gzip and status == 200 and "gzip" in self.headers.get("Accept-Encoding", ""):
                    body, encoding = gzip.compress(body, compresslevel=6, mtime=0), "gzip"
                time.sleep(max(0.0, latency - (time.monotonic() - started)))
                counter.sent(len(body))
                self.send(status, body, encoding)
            else:
                self.send(404, b'{"error":"not found"}')

        def do_POST(self):
            if urlsplit(self.path).path == "/__reset":
                counter.reset()
                self.send(200, b'{"count":0}')
            else:
                self.send(404, b'{"error":"not found"}')

        def setup(self):
            super().setup()
            # As production servers do (nginx, Go, Node.js, Tomcat): without it, the body written
            # after the headers waits for the client's delayed ACK of the headers, up to 40 ms, on
            # a connection kept alive (a new connection acknowledges at once at first).
            self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

        def send(self, status, body, encoding=None):
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            if encoding:
                self.send_header("Content-Encoding", encoding)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    return Handler


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 1024


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--latency-ms", type=float, default=300)
    parser.add_argument("--dataset", type=Path)
    parser.add_argument("--gzip", action="store_true", help="answer in gzip when asked")
    args = parser.parse_args()
    path = args.dataset or (SHARED_DATASET if SHARED_DATASET.is_file() else FIXTURE)
    universities = Universities(path)
    server = Server(("127.0.0.1", args.port), handler(universities, Counter(), args.latency_ms / 1000, args.gzip))
    print(f"fake upstream on 127.0.0.1:{args.port}, {len(universities.all)} universities from {path}, "
          f"{args.latency_ms:g} ms per answer{', gzip when asked' if args.gzip else ''}", file=sys.stderr, flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
