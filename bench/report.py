#!/usr/bin/env python3
"""Turns bench/run.sh's raw outputs (metrics.tsv and wrk/*.txt in OUT) into one Markdown report.

Prints it and writes it to RESULTS (bench/RESULTS.md). Ratios are cachegate / nginx: above 1 is
more requests per second than nginx; for latencies, below 1 is faster than nginx.

Usage: report.py OUT RESULTS
"""

import json
import re
import statistics
import sys
from pathlib import Path

COUNTRIES = {"germany": "Germany 66 KB", "us": "United States 438 KB"}
UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def load_metrics(out):
    metrics = {}
    for line in (out / "metrics.tsv").read_text().splitlines():
        key, _, value = line.partition("\t")
        metrics[key] = value
    return metrics


def millis(text):
    number, unit = re.fullmatch(r"([\d.]+)([a-z]+)", text).groups()
    return float(number) * UNITS[unit]


def parse_wrk(path):
    text = path.read_text()
    result = {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1)),
        "p50": millis(re.search(r"^\s+50%\s+(\S+)", text, re.M).group(1)),
        "p99": millis(re.search(r"^\s+99%\s+(\S+)", text, re.M).group(1)),
        "requests": int(re.search(r"(\d+) requests in", text).group(1)),
        "non2xx": 0,
        "socket_errors": 0,
    }
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    if non2xx:
        result["non2xx"] = int(non2xx.group(1))
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    if errors:
        result["socket_errors"] = sum(int(n) for n in errors.groups())
    return result


def aggregate(m, wrk_dir):
    """Per run id, the median of its rounds (req/s, p50 and p99 each), their spread and totals."""
    rounds = {}
    for path in sorted(wrk_dir.glob("*.r*.txt")):
        run_id, _, number = path.stem.rpartition(".r")
        rounds.setdefault(run_id, []).append((int(number), parse_wrk(path)))
    runs = {}
    for run_id, results in rounds.items():
        results = [r for _, r in sorted(results, key=lambda x: x[0])]
        runs[run_id] = {
            "rps": statistics.median(r["rps"] for r in results),
            "p50": statistics.median(r["p50"] for r in results),
            "p99": statistics.median(r["p99"] for r in results),
            "rounds": [r["rps"] for r in results],
            "p99s": [r["p99"] for r in results],
            "requests": sum(r["requests"] for r in results),
            "non2xx": sum(r["non2xx"] for r in results),
            "socket_errors": sum(r["socket_errors"] for r in results),
            "upstream": sum(int(m.get(f"upstream_calls.{run_id}.r{i + 1}", 0)) for i in range(len(results))),
        }
    return runs


def fmt_ms(ms):
    return f"{ms:.2f} ms" if ms < 10 else f"{ms:.1f} ms" if ms < 100 else f"{ms:.0f} ms"


def cell(run):
    if run is None:
        return "—"
    warn = " ⚠" if run["non2xx"] or run["socket_errors"] else ""
    return f"{run['rps']:,.0f}/s · p50 {fmt_ms(run['p50'])} · p99 {fmt_ms(run['p99'])}{warn}"


def ratio(run, nginx):
    if run is None or nginx is None:
        return "—"
    return f"**{run['rps'] / nginx['rps']:.2f}×** · p99 {run['p99'] / nginx['p99']:.2f}×"


def cpu_line(m):
    wall, available, busy, ours, steal = (int(v) for v in m["cpu_seconds"].split())
    other = max(0, busy - ours)
    return (f"Over the {wall} s the measurements took, the cores were busy {busy} of {available} CPU-seconds: "
            f"{ours} for this benchmark's processes, about {other} for other processes on the machine "
            f"({100 * other / available:.0f} % of it); the hypervisor took {steal} s (steal).")


def mib(kb):
    return f"{int(kb) / 1024:.0f} MiB"


def main():
    out, results = Path(sys.argv[1]), Path(sys.argv[2])
    m = load_metrics(out)
    runs = aggregate(m, out / "wrk")
    lines = []
    add = lines.append

    add("# cachegate benchmark results")
    add("")
    add(f"`bench/run.sh --duration {m['duration']} --rounds {m['rounds']}` on {m['date']}: {m['nproc']} cores ({m['cpu']}), "
        f"{m['memory']}, Linux {m['kernel']}, {m['java']}, nginx {m['nginx_version']}, "
        f"Redis {m['redis_version']}, wrk {m['wrk_version']}; cachegate build {m['build']}. Load average (1, 5, 15 min) at start "
        f"{m['load_start']}, at end {m['load_end']} (the end figure includes this benchmark's own load); "
        f"wrk, the upstream, Redis, nginx and cachegate share the same cores. {cpu_line(m)}")
    add("")
    add(f"cachegate: `{m['cachegate_command']}` (the README's quickstart) with `CACHE_TYPE=redis`, "
        "everything else at its defaults (TTL 30 s, stale-while-revalidate 60 s, local tier 40 MiB). "
        "nginx: `proxy_cache` with `proxy_cache_valid 200 30s`, `proxy_cache_lock on`, `tcp_nopush off`, "
        "`proxy_cache_use_stale updating` + `proxy_cache_background_update on` (its counterpart of "
        "stale-while-revalidate), key `$uri$is_args$args`, 2 workers, `sendfile on`, "
        "`gzip on` for `application/json` at its default level 1 (the upstream sends identity only), "
        "access log off. Same upstream (300 ms per answer), same URLs, same wrk settings. "
        f"Before the warm-hit scenarios every target got {m['jit_warmup']} of wrk load per URL and encoding "
        "(the JVM compiles its hit path in the first seconds of load), and each scenario a short warm-up run. "
        "Each warm-hit cell is the median of the rounds (the targets took turns), req/s, p50 and p99 each. "
        "cachegate writes its access log line per request (its default, kept), nginx none (`access_log off`). "
        "Ratios are cachegate / nginx: req/s above 1 and p99 below 1 favour cachegate.")
    add("")
    add("| Scenario | nginx proxy_cache | cachegate (local tier + Redis) | ratio | cachegate, Redis-only hits | ratio |")
    add("|---|---|---|---|---|---|")
    for country, label in COUNTRIES.items():
        for enc in ("identity", "gzip"):
            for conns in (16, 64):
                suffix = f"{country}.{enc}.c{conns}"
                nginx, cg, redis = (runs.get(f"{t}.{suffix}") for t in ("nginx", "cg", "cgredis"))
                add(f"| Warm hit, {label}, {enc}, `-t2 -c{conns}` | {cell(nginx)} | {cell(cg)} | "
                    f"{ratio(cg, nginx)} | {cell(redis)} | {ratio(redis, nginx)} |")

    def misses(prefix):
        """Times of one round of 10 fresh keys: direct, cachegate, nginx; added ms by medians and paired."""
        def times(name):
            return [float(m[f"{prefix}.{name}.{i}"].split()[0]) * 1000 for i in range(1, 11)]
        direct, cg, nginx = times("direct"), times("cg"), times("nginx")
        direct_median = statistics.median(direct)
        return {
            "direct": direct, "cg": cg, "nginx": nginx, "direct_median": direct_median,
            "cg_added": statistics.median(cg) - direct_median,
            "nginx_added": statistics.median(nginx) - direct_median,
            "cg_paired": statistics.median(c - d for c, d in zip(cg, direct)),
            "nginx_paired": statistics.median(n - d for n, d in zip(nginx, direct)),
        }

    first_misses = misses("miss")
    warm_misses = misses("warmmiss") if "warmmiss.cg.1" in m else None
    for label, x in (("first misses", first_misses), ("after 300 misses of warm-up", warm_misses)):
        if x is None:
            continue
        add(f"| Cold miss, median of 10 fresh keys, {label} (upstream direct: {x['direct_median']:.1f} ms) | "
            f"{statistics.median(x['nginx']):.1f} ms: **+{x['nginx_added']:.1f} ms** (paired +{x['nginx_paired']:.1f}) | "
            f"{statistics.median(x['cg']):.1f} ms: **+{x['cg_added']:.1f} ms** (paired +{x['cg_paired']:.1f}) | "
            f"{statistics.median(x['cg']) / statistics.median(x['nginx']):.3f}× total time | — | — |")

    def burst(name):
        if f"burst.{name}" not in m:
            return "—"
        b = json.loads(m[f"burst.{name}"])
        statuses = ", ".join(f"{n}× {s}" for s, n in sorted(b["statuses"].items()))
        return (f"**{m[f'burst_upstream.{name}']} upstream call(s)** ({statuses}; "
                f"p50 {b['p50_ms']:.0f} ms, max {b['max_ms']:.0f} ms)")

    add(f"| 200 concurrent requests, one cold key | {burst('nginx')} | {burst('cg')} | — | — | — |")
    add(f"| The same over 3 instances sharing Redis (A, C, D) | n/a (one nginx) | {burst('cg3')} | — | — | — |")

    def rss(name):
        now, peak = m[f"rss.{name}"].split()
        return f"{mib(now)} (peak {mib(peak)})"

    add(f"| RSS after load (VmRSS, peak VmHWM) | {rss('nginx')} (master + 2 workers) | {rss('A')} | — | "
        f"{rss('B')} | — |")
    for country, label in COUNTRIES.items():
        key, strlen, usage = m[f"redis.{country}"].split()
        identity, cg_gzip, nginx_gzip = m[f"body.{country}"].split()
        add(f"| Bytes per entry, {label.rsplit(' ', 2)[0]} "
            f"(body {int(identity):,} B) | cache file {int(m[f'nginx_file.{country}']):,} B (identity); "
            f"gzip answer {int(nginx_gzip):,} B | Redis STRLEN **{int(strlen):,} B**, MEMORY USAGE "
            f"{int(usage):,} B; gzip answer {int(cg_gzip):,} B | — | — | — |")
    starts = [float(m[f"startup.{i}"]) for i in (1, 2, 3)]
    add(f"| Start to first `/universities?country=Germany` 200 (entry in Redis) | n/a | best **{min(starts):.0f} ms**, "
        f"median {statistics.median(starts):.0f} ms (runs: {', '.join(f'{s:.0f}' for s in starts)}) | — | — | — |")

    # --- targets ---
    add("")
    add("Targets:")
    add("")

    def mark(ok):
        return "✅" if ok else "❌"

    identity = [(c, n) for c in COUNTRIES for n in (16, 64)]
    hits = [(runs.get(f"cg.{c}.identity.c{n}"), runs.get(f"nginx.{c}.identity.c{n}"), c, n) for c, n in identity]
    ok = all(cg and ng and cg["rps"] >= ng["rps"] and cg["p99"] <= ng["p99"] for cg, ng, _, _ in hits)
    detail = "; ".join(f"{c} c{n}: {cg['rps'] / ng['rps']:.2f}× req/s, p99 {fmt_ms(cg['p99'])} vs {fmt_ms(ng['p99'])}"
                       for cg, ng, c, n in hits if cg and ng)
    add(f"- {mark(ok)} Warm-hit throughput ≥ nginx (identity) with p99 no worse: {detail}.")

    redis_ratios = {}
    for c in COUNTRIES:
        for enc in ("identity", "gzip"):
            for n in (16, 64):
                r, ng = runs.get(f"cgredis.{c}.{enc}.c{n}"), runs.get(f"nginx.{c}.{enc}.c{n}")
                if r and ng:
                    redis_ratios[f"{c} {enc} c{n}"] = r["rps"] / ng["rps"]
    worst = min(redis_ratios, key=redis_ratios.get)
    id_ok = all(v >= 0.7 for k, v in redis_ratios.items() if "identity" in k)
    add(f"- {mark(all(v >= 0.7 for v in redis_ratios.values()))} Redis-only hits ≥ 0.7× nginx: lowest "
        f"{redis_ratios[worst]:.2f}× ({worst}); identity rows only: {mark(id_ok)} (lowest "
        f"{min(v for k, v in redis_ratios.items() if 'identity' in k):.2f}×); all: "
        + ", ".join(f"{k} {v:.2f}×" for k, v in redis_ratios.items()) + ".")
    judged = warm_misses or first_misses
    add(f"- {mark(judged['cg_added'] < 2)} Miss overhead < 2 ms"
        + (" (after the miss warm-up)" if warm_misses else "")
        + f": +{judged['cg_added']:.1f} ms (difference of medians; median of paired differences "
        f"+{judged['cg_paired']:.1f} ms; nginx +{judged['nginx_added']:.1f} ms)"
        + (f"; first misses +{first_misses['cg_added']:.1f} ms." if warm_misses else "."))
    one, three = m.get("burst_upstream.cg"), m.get("burst_upstream.cg3")
    add(f"- {mark(one == '1' and three == '1')} One upstream call for 200 concurrent cold requests: "
        f"{one} on one instance, {three} across 3 instances.")
    de_strlen, de_usage = (int(v) for v in m["redis.germany"].split()[1:])
    add(f"- {mark(de_usage <= 12000)} Redis bytes for Germany ≤ 12,000: STRLEN {de_strlen:,}, MEMORY USAGE "
        f"{de_usage:,}.")
    now_a, peak_a = (int(v) for v in m["rss.A"].split())
    add(f"- {mark(peak_a <= 256 * 1024)} RSS under load ≤ 256 MiB with default settings (instance A, "
        f"launched as the README says): {mib(now_a)} after load, peak {mib(peak_a)}.")
    add(f"- {mark(statistics.median(starts) <= 1000)} First answer within 1 s of start: median "
        f"{statistics.median(starts):.0f} ms, best {min(starts):.0f} ms, worst {max(starts):.0f} ms.")

    # --- checks ---
    add("")
    add("Checks (answer each target gave right before its measured rounds: status, cache status, "
        "content encoding, bytes; req/s and p99 of each round; upstream calls during the rounds; wrk errors):")
    add("")
    add("| Run | answer before | req/s per round | p99 per round | upstream calls | requests | non-2xx | socket errors |")
    add("|---|---|---|---|---|---|---|---|")
    for run_id, run in runs.items():
        add(f"| {run_id} | {m.get('check.' + run_id, '?')} | {', '.join(f'{r:,.0f}' for r in run['rounds'])} | "
            f"{', '.join(fmt_ms(p) for p in run['p99s'])} | {run['upstream']} | "
            f"{run['requests']:,} | {run['non2xx']} | {run['socket_errors']} |")
    other = ", ".join(f"{n} {rss(n)}" for n in ("C", "D"))
    add("")
    def samples(x):
        return "; ".join(f"{d:.0f}/{c:.0f}/{n:.0f}" for d, c, n in zip(x["direct"], x["cg"], x["nginx"]))
    add(f"Idle instances C and D (started for the three-instance test) after it: {other}. Cold-miss "
        f"samples (ms), direct / cachegate / nginx: first misses {samples(first_misses)}"
        + (f"; after the warm-up {samples(warm_misses)}" if warm_misses else "") + ".")

    report = "\n".join(lines) + "\n"
    print(report)
    # Keep the sections other tools add below this report, if any (bench/jmh.sh's; the soak's,
    # pasted from bench/soak.sh): they run separately.
    previous = results.read_text(encoding="utf-8") if results.exists() else ""
    kept = [at for at in (previous.find(f"\n## {name}") for name in ("JMH microbenchmarks", "Soak"))
            if at >= 0]
    results.write_text(report + (previous[min(kept):] if kept else ""), encoding="utf-8")


if __name__ == "__main__":
    main()
