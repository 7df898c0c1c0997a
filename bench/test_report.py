#!/usr/bin/env python3
"""Checks bench/report.py on a made-up run: CPU per request, ratios, target marks, kept sections.

Quick and deterministic, but not part of the Maven build: python3 bench/test_report.py
"""

import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

REPORT = Path(__file__).resolve().parent / "report.py"

WRK = """Running 5s test @ http://127.0.0.1:1/universities
  Latency Distribution
     50%    {p50}
     99%    {p99}
  {requests} requests in 5.00s, 1.00GB read
Requests/sec:  {rps}
"""


def made_up_run(out, fixture=False, cg_ticks=300):
    """One round per cell; 100,000 requests each; nginx 300 ticks (30 µs at 100 Hz), cachegate cg_ticks."""
    m = {
        "mode": "full", "fixture": "yes" if fixture else "no", "dataset": "/data/u.json", "dataset_entries": "10251",
        "date": "2026-12-05 08:00 UTC", "nproc": "2", "cpu": "AMD EPYC", "kernel": "6", "memory": "23 GiB",
        "java": "openjdk 17", "nginx_version": "1.22.1", "redis_version": "7.0.15", "wrk_version": "4.1.0",
        "duration": "5s", "build": "abc", "rounds": "1", "warmup": "1s", "jit_warmup": "5s", "miss_warmup": "300",
        "wide_keys": "2000", "default_tier": str(40 << 20), "wide_tier": f"{40 << 20} default",
        "load_start": "1 1 1", "load_end": "1 1 1", "clk_tck": "100", "cachegate_command": "bin/cachegate",
        "cpu_seconds": "600 1200 900 850 0", "wide.warm_upstream": "4000",
        "wide.warm.cgwide": f"2000 2000 {71 << 20}", "wide.warm.nginxwide": f"2000 2000 {71 << 20}",
        "wide.local_after_warm": f"1000 {40 << 20}", "wide.local_after": f"1000 {40 << 20}",
        "wide.store_errors_after_warm": "0", "wide.gzip_sample": "20 72000", "wide.redis": "2000 7400000",
        "burst.nginx": '{"statuses": {"200": 200}, "p50_ms": 500, "max_ms": 600}', "burst_upstream.nginx": "1",
        "burst.cg": '{"statuses": {"200": 200}, "p50_ms": 400, "max_ms": 500}', "burst_upstream.cg": "1",
        "burst.cg3": '{"statuses": {"200": 200}, "p50_ms": 400, "max_ms": 500}', "burst_upstream.cg3": "1",
        "redis.germany": "k 7785 8280", "redis.us": "k 41014 49256", "body.germany": "65573 7652 9148",
        "body.us": "438059 40875 48273", "nginx_file.germany": "66092", "nginx_file.us": "438587",
        "startup.1": "900", "startup.2": "950", "startup.3": "1100",
        "store_errors.A": "0", "store_errors.B": "0", "store_errors.W": "0",
    }
    for name, kb in (("nginx", 26000), ("A", 170000), ("B", 160000), ("C", 130000), ("D", 130000), ("W", 240000)):
        m[f"rss.{name}"] = f"{kb} {kb}"
    for prefix in ("miss", "warmmiss"):
        for i in range(1, 11):
            m[f"{prefix}.direct.{i}"] = "0.3000 40000"
            m[f"{prefix}.cg.{i}"] = f"{0.3000 + i / 10000:.4f} MISS"   # +0.1 .. +1.0 ms: median +0.55
            m[f"{prefix}.nginx.{i}"] = "0.3003 MISS"
    runs = {}
    for country, conns in (("germany", 16), ("germany", 64), ("us", 64)):
        for enc in ("identity", "gzip"):
            for target in ("nginx", "cg", "cgredis"):
                runs[f"{target}.{country}.{enc}.c{conns}"] = (300 if target == "nginx" else cg_ticks, 20000)
    for enc in ("identity", "gzip"):
        runs[f"nginxwide.{enc}.c64"] = (300, 40000)
        runs[f"cgwide.{enc}.c64"] = (300, 30000 if enc == "identity" else 40000)
        m[f"outcomes.cgwide.{enc}.c64.r1"] = "100000 0 0"
    (out / "wrk").mkdir(parents=True)
    for run_id, (ticks, rps) in runs.items():
        m[f"cpu.{run_id}.r1"] = f"{ticks} 0"
        m[f"check.{run_id}"] = "200 HIT  65573" if "germany" in run_id else "200 HIT  438059"
        (out / "wrk" / f"{run_id}.r1.txt").write_text(WRK.format(p50="1.00ms", p99="5.00ms", requests=100000, rps=rps))
    (out / "metrics.tsv").write_text("".join(f"{k}\t{v}\n" for k, v in m.items()))


def report(out, results):
    return subprocess.run([sys.executable, str(REPORT), str(out), str(results)], check=True,
                          capture_output=True, text=True).stdout


class ReportTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        self.out, self.results = Path(self.dir.name) / "out", Path(self.dir.name) / "RESULTS.md"

    def tearDown(self):
        self.dir.cleanup()

    def test_cpu_per_request_is_ticks_over_requests_and_judges_the_identity_hit(self):
        made_up_run(self.out, cg_ticks=270)

        text = report(self.out, self.results)

        self.assertIn("| Germany 65.6 KB, identity, `-t2 -c64` | 20,000/s · p50 1.00 ms · p99 5.00 ms | 30.0 |", text)
        self.assertIn("cachegate 27.0 µs, nginx 30.0 µs, **0.90×** (floor 1.0×: ✅; aim 0.8×: ❌)", text)

    def test_large_working_set_is_judged_by_requests_per_second(self):
        made_up_run(self.out)

        text = report(self.out, self.results)

        self.assertIn("- ✅ Large working set (2,000 keys, 1.95× the local tier), identity clients ≥ 0.7× nginx's req/s: "
                      "30,000 against 40,000, **0.75×**", text)
        self.assertIn("- ✅ Large working set (2,000 keys, 1.95× the local tier), gzip clients ≥ 1.0×", text)

    def test_miss_is_the_median_of_through_minus_direct(self):
        made_up_run(self.out)

        text = report(self.out, self.results)

        self.assertIn("- ✅ A miss adds ≤ 2 ms over the upstream's own time (after 300 misses of warm-up): +0.55 ms", text)

    def test_a_fixture_run_says_so_first_and_the_sections_below_stay(self):
        made_up_run(self.out, fixture=True)
        self.results.write_text("# old\n\nold table\n\n## JMH microbenchmarks\n\njmh\n\n## Soak\n\nsoak\n\n"
                                "## Before and after\n\nab\n")

        report(self.out, self.results)

        written = self.results.read_text()
        self.assertTrue(written.splitlines()[2].startswith("**This run fell back to the test fixture"))
        self.assertNotIn("old table", written)
        self.assertTrue(written.endswith("## JMH microbenchmarks\n\njmh\n\n## Soak\n\nsoak\n\n## Before and after\n\nab\n"))


if __name__ == "__main__":
    unittest.main()
