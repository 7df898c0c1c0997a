#!/usr/bin/env python3
"""Turns bench/run.sh's raw outputs (metrics.tsv and wrk/*.txt in OUT) into one Markdown report.

Prints it and writes it to the top of RESULTS (bench/RESULTS.md), keeping the sections other tools
write below it. Ratios are cachegate / nginx: for CPU per request and latencies below 1 favours
cachegate, for requests per second above 1 does.

CPU microseconds per request: the user+system time of the target's processes (cachegate's JVM;
nginx's master and all its children) read from /proc/<pid>/stat right before and after one wrk run,
divided by the requests wrk completed in it; a cell gives the median over the rounds.

Usage: report.py OUT RESULTS
"""

import json
import re
import statistics
import sys
from pathlib import Path

UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}
# (country, name, connections) of the warm-hit rows, in bench/run.sh's order
HIT_ROWS = [("germany", "Germany", 16), ("germany", "Germany", 64), ("us", "United States", 64)]
KEPT_SECTIONS = ("JMH microbenchmarks", "Soak", "Before and after")
CPU_FLOOR, CPU_AIM = 1.0, 0.8          # CPU per warm identity hit, cachegate / nginx
WIDE_IDENTITY, WIDE_GZIP = 0.7, 1.0    # large working set, req/s, cachegate / nginx
MISS_MS = 2.0
RSS_KB = 256 * 1024


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
    """Per run id, the median of its rounds (req/s, p50, p99, CPU µs per request each), their spread and totals."""
    hz = float(m.get("clk_tck", 100))
    rounds = {}
    for path in sorted(wrk_dir.glob("*.r*.txt")):
        run_id, _, number = path.stem.rpartition(".r")
        result = parse_wrk(path)
        cpu = m.get(f"cpu.{run_id}.r{number}")
        if cpu:
            ticks, redis_ticks = (int(v) for v in cpu.split())
            result["cpu_us"] = ticks * 1e6 / hz / max(1, result["requests"])
            result["redis_us"] = redis_ticks * 1e6 / hz / max(1, result["requests"])
        rounds.setdefault(run_id, []).append((int(number), result))
    runs = {}
    for run_id, results in rounds.items():
        results = [r for _, r in sorted(results, key=lambda x: x[0])]
        has_cpu = all("cpu_us" in r for r in results)
        runs[run_id] = {
            "rps": statistics.median(r["rps"] for r in results),
            "p50": statistics.median(r["p50"] for r in results),
            "p99": statistics.median(r["p99"] for r in results),
            "cpu_us": statistics.median(r["cpu_us"] for r in results) if has_cpu else None,
            "redis_us": statistics.median(r["redis_us"] for r in results) if has_cpu else None,
            "rounds": [r["rps"] for r in results],
            "p99s": [r["p99"] for r in results],
            "cpus": [r.get("cpu_us") for r in results],
            "redis_cpus": [r.get("redis_us") for r in results],
            "requests": sum(r["requests"] for r in results),
            "non2xx": sum(r["non2xx"] for r in results),
            "socket_errors": sum(r["socket_errors"] for r in results),
            "upstream": sum(int(m.get(f"upstream_calls.{run_id}.r{i + 1}", 0)) for i in range(len(results))),
        }
    return runs


def fmt_bytes(n):
    return f"{n / 2**20:.1f} MiB" if n >= 2**20 else f"{n / 1000:.1f} KB" if n >= 1000 else f"{n:.0f} B"


def body_label(m, country, name):
    """"Germany 66 KB": the name and the identity body's size nginx answered before the rounds."""
    check = m.get(f"check.nginx.{country}.identity.c64", "").split()
    return f"{name} {fmt_bytes(int(check[-1]))}" if check and check[-1].isdigit() else name


def fmt_ms(ms):
    return f"{ms:.2f} ms" if ms < 10 else f"{ms:.1f} ms" if ms < 100 else f"{ms:.0f} ms"


def fmt_us(us):
    return "—" if us is None else f"{us:.1f}" if us < 100 else f"{us:.0f}"


def cell(run):
    if run is None:
        return "—"
    warn = " ⚠" if run["non2xx"] or run["socket_errors"] else ""
    return f"{run['rps']:,.0f}/s · p50 {fmt_ms(run['p50'])} · p99 {fmt_ms(run['p99'])}{warn}"


def cpu_ratio(run, nginx):
    if run is None or nginx is None or not run["cpu_us"] or not nginx["cpu_us"]:
        return None
    return run["cpu_us"] / nginx["cpu_us"]


def rps_ratio(run, nginx):
    return f"{run['rps'] / nginx['rps']:.2f}× · p99 {run['p99'] / nginx['p99']:.2f}×" if run and nginx else "—"


def bold_ratio(value):
    return "—" if value is None else f"**{value:.2f}×**"


def mark(ok):
    return "✅" if ok else "❌"


def mib(kb):
    return f"{int(kb) / 1024:.0f} MiB"


def cpu_line(m):
    wall, available, busy, ours, steal = (int(v) for v in m["cpu_seconds"].split())
    other = max(0, busy - ours)
    return (f"Over the {wall} s the measurements took, the cores were busy {busy} of {available} CPU-seconds: "
            f"{ours} for this benchmark's processes, about {other} for other processes on the machine "
            f"({100 * other / available:.0f} % of it); the hypervisor took {steal} s (steal).")


def misses(m, prefix):
    """One round of 10 fresh keys: direct, cachegate, nginx; added ms per key (through - direct)."""
    if f"{prefix}.cg.1" not in m:
        return None

    def times(name):
        return [float(m[f"{prefix}.{name}.{i}"].split()[0]) * 1000 for i in range(1, 11)]

    direct, cg, nginx = times("direct"), times("cg"), times("nginx")
    sizes = [int(m[f"{prefix}.direct.{i}"].split()[1]) for i in range(1, 11)
             if len(m[f"{prefix}.direct.{i}"].split()) > 1]
    return {
        "direct": direct, "cg": cg, "nginx": nginx, "direct_median": statistics.median(direct),
        "sizes": sizes,
        "cg_added": statistics.median(c - d for c, d in zip(cg, direct)),
        "nginx_added": statistics.median(n - d for n, d in zip(nginx, direct)),
        "cg_of_medians": statistics.median(cg) - statistics.median(direct),
        "nginx_of_medians": statistics.median(nginx) - statistics.median(direct),
    }


def main():
    out, results = Path(sys.argv[1]), Path(sys.argv[2])
    m = load_metrics(out)
    runs = aggregate(m, out / "wrk")
    lines = []
    add = lines.append

    add("# cachegate benchmark results")
    add("")
    if m.get("fixture") == "yes":
        add(f"**This run fell back to the test fixture ({m['dataset_entries']} universities): the real dataset "
            "was missing from `../shared/data/universities/`. Its bodies are a few KB at most; its figures do not "
            "compare with runs on the real dataset.**")
        add("")
    if m.get("mode") == "quick":
        add("**A `--quick` run (fewer and shorter rounds, a smaller large working set with the local tier cut to "
            "match): it checks the harness end to end; its figures are not for comparison.**")
        add("")
    add(f"`bench/run.sh{' --quick' if m.get('mode') == 'quick' else ''}` (rounds of {m['duration']}, "
        f"{m['rounds']} per cell) on {m['date']}: {m['nproc']} cores ({m['cpu']}), "
        f"{m['memory']}, Linux {m['kernel']}, {m['java']}, nginx {m['nginx_version']}, "
        f"Redis {m['redis_version']}, wrk {m['wrk_version']}; cachegate build {m['build']}; dataset "
        f"`{m['dataset']}` ({int(m['dataset_entries']):,} universities). Load average (1, 5, 15 min) at start "
        f"{m['load_start']}, at end {m['load_end']} (the end figure includes this benchmark's own load); "
        f"wrk, the upstream, Redis, nginx and cachegate share the same cores. {cpu_line(m)}")
    add("")
    add(f"cachegate: `{m['cachegate_command']}` (the README's quickstart) with `CACHE_TYPE=redis`, "
        "everything else at its defaults (TTL 30 s, stale-while-revalidate 60 s, local tier "
        f"{int(m['default_tier']) / 2**20:.0f} MiB, identity answers without an off-heap copy sent from "
        "identity files); instance B with "
        "`CACHE_LOCAL_MAX_BYTES=0` (every hit a Redis hit). "
        "nginx: `proxy_cache` with `proxy_cache_valid 200 30s`, `proxy_cache_lock on`, `tcp_nopush off`, "
        "`proxy_cache_use_stale updating` + `proxy_cache_background_update on` (its counterpart of "
        "stale-while-revalidate), key `$uri$is_args$args`, 2 workers, `sendfile on`, "
        "`gzip on` for `application/json` at its default level 1 (the upstream sends identity only), "
        "access log off. Same upstream (300 ms per answer), same URLs, same wrk settings. "
        f"Before the warm-hit scenarios every target got {m['jit_warmup']} of wrk load per URL and encoding "
        "(the JVM compiles its hit path in the first seconds of load), and each scenario a short warm-up run. "
        "Each cell is the median of the rounds, in which the targets took turns: req/s, p50, p99, and CPU µs "
        "per request (the process's user+system time from `/proc/<pid>/stat` around the same wrk run over the "
        "requests it completed; nginx's master and all its children summed). "
        "cachegate writes its access log line per request (its default, kept), nginx none (`access_log off`).")
    add("")

    # --- warm hits, local tier ---
    add("### Warm hits")
    add("")
    add("| Scenario | nginx proxy_cache | nginx CPU µs/request | cachegate (local tier + Redis) | "
        "cachegate CPU µs/request | CPU ratio | req/s ratio · p99 ratio |")
    add("|---|---|---|---|---|---|---|")
    for country, name, conns in HIT_ROWS:
        label = body_label(m, country, name)
        for enc in ("identity", "gzip"):
            suffix = f"{country}.{enc}.c{conns}"
            nginx, cg = runs.get(f"nginx.{suffix}"), runs.get(f"cg.{suffix}")
            add(f"| {label}, {enc}, `-t2 -c{conns}` | {cell(nginx)} | {fmt_us(nginx and nginx['cpu_us'])} | "
                f"{cell(cg)} | {fmt_us(cg and cg['cpu_us'])} | {bold_ratio(cpu_ratio(cg, nginx))} | "
                f"{rps_ratio(cg, nginx)} |")
    add("")
    add("Redis-only hits (instance B, `CACHE_LOCAL_MAX_BYTES=0`), against the same nginx rounds; no target "
        "(Redis keeps the gzip form only; B has no off-heap copies, so an identity answer is sent from its "
        "identity file, `CACHE_LOCAL_DISK_MAX_BYTES`). Redis's own CPU "
        "per request is given beside cachegate's:")
    add("")
    add("| Scenario | cachegate, Redis-only hits | cachegate CPU µs/request | Redis CPU µs/request | "
        "CPU ratio (cachegate) | req/s ratio · p99 ratio |")
    add("|---|---|---|---|---|---|")
    for country, name, conns in HIT_ROWS:
        label = body_label(m, country, name)
        for enc in ("identity", "gzip"):
            suffix = f"{country}.{enc}.c{conns}"
            nginx, redis = runs.get(f"nginx.{suffix}"), runs.get(f"cgredis.{suffix}")
            add(f"| {label}, {enc}, `-t2 -c{conns}` | {cell(redis)} | {fmt_us(redis and redis['cpu_us'])} | "
                f"{fmt_us(redis and redis['redis_us'])} | {bold_ratio(cpu_ratio(redis, nginx))} | "
                f"{rps_ratio(redis, nginx)} |")

    # --- large working set ---
    keys = int(m["wide_keys"])
    tier, how = m["wide_tier"].split()
    tier = int(tier)
    warm_n, warm_ok, warm_bytes = (int(v) for v in m["wide.warm.nginxwide"].split())
    sampled, sampled_bytes = (int(v) for v in m["wide.gzip_sample"].split())
    gzip_total = sampled_bytes / max(1, sampled) * keys
    redis_n, redis_bytes = (int(v) for v in m["wide.redis"].split())
    after_warm = [int(v) for v in m["wide.local_after_warm"].split()]
    after = [int(v) for v in m["wide.local_after"].split()]
    add("")
    add("### Large working set")
    add("")
    add(f"{keys:,} keys `/universities?country=United%20States&limit=200&offset=0…{keys - 1}`: "
        f"{fmt_bytes(warm_bytes)} of JSON ({fmt_bytes(warm_bytes / max(1, warm_n))} each on average), "
        f"about {fmt_bytes(gzip_total)} more as gzip (from a sample of {sampled}); "
        f"{(warm_bytes + gzip_total) / tier:.2f}× the local tier of {tier / 2**20:.0f} MiB "
        f"({'its default' if how == 'default' else '`CACHE_LOCAL_MAX_BYTES` set to match the smaller key space'}). "
        f"Instance W serves them through a routes file (the built-in route written out, TTL 1 h so that no entry "
        f"expires during the scenario, otherwise the README launch and defaults); nginx through its own "
        f"`proxy_cache` zone, `proxy_cache_valid 200 1h`. Every key was warmed on both ({m['wide.warm_upstream']} "
        f"upstream calls; W answered {int(m['wide.warm.cgwide'].split()[1]):,} of {keys:,} with 200, nginx "
        f"{warm_ok:,}); Redis then held {redis_n:,} entries, {fmt_bytes(redis_bytes)}"
        + (f" (⚠ {keys - redis_n:,} keys missing: W counted "
           f"{m.get('wide.store_errors_after_warm', '?')} store errors by then; once out of the local tier they "
           "are misses, counted in the checks below)" if redis_n < keys else "")
        + f", and W's local tier "
        f"{after_warm[0]:,} entries, {fmt_bytes(after_warm[1])} ({after[0]:,} entries, "
        f"{fmt_bytes(after[1])} after the rounds). wrk `-t2 -c64` with a Lua script that picks a random key "
        "per request.")
    add("")
    add("| Scenario | nginx proxy_cache | nginx CPU µs/request | cachegate (local tier + Redis) | "
        "cachegate CPU µs/request (+ Redis) | CPU ratio | req/s ratio · p99 ratio |")
    add("|---|---|---|---|---|---|---|")
    for enc in ("identity", "gzip"):
        nginx, cg = runs.get(f"nginxwide.{enc}.c64"), runs.get(f"cgwide.{enc}.c64")
        redis = f" (+ {fmt_us(cg['redis_us'])})" if cg and cg["redis_us"] is not None else ""
        add(f"| {keys:,} random keys, {enc}, `-t2 -c64` | {cell(nginx)} | {fmt_us(nginx and nginx['cpu_us'])} | "
            f"{cell(cg)} | {fmt_us(cg and cg['cpu_us'])}{redis} | {bold_ratio(cpu_ratio(cg, nginx))} | "
            f"{rps_ratio(cg, nginx)} |")

    # --- everything else ---
    add("")
    add("### Misses, concurrency, memory, start-up")
    add("")
    add("| Scenario | nginx proxy_cache | cachegate |")
    add("|---|---|---|")
    first_misses, warm_misses = misses(m, "miss"), misses(m, "warmmiss")
    for label, x in (("first misses", first_misses), (f"after {m['miss_warmup']} misses of warm-up", warm_misses)):
        if x is None:
            continue
        size = f"{min(x['sizes']) / 1000:.0f}–{max(x['sizes']) / 1000:.0f} KB, " if x["sizes"] else ""
        add(f"| Miss, 10 fresh keys ({size}ten countries, a new connection each), {label}; upstream direct "
            f"{x['direct_median']:.1f} ms (median) | **{x['nginx_added']:+.2f} ms** (median of through − direct; "
            f"of medians {x['nginx_of_medians']:+.2f}) | **{x['cg_added']:+.2f} ms** (of medians "
            f"{x['cg_of_medians']:+.2f}) |")

    def burst(name):
        if f"burst.{name}" not in m:
            return "—"
        b = json.loads(m[f"burst.{name}"])
        statuses = ", ".join(f"{n}× {s}" for s, n in sorted(b["statuses"].items()))
        return (f"**{m[f'burst_upstream.{name}']} upstream call(s)** ({statuses}; "
                f"p50 {b['p50_ms']:.0f} ms, max {b['max_ms']:.0f} ms)")

    add(f"| 200 concurrent requests, one cold key | {burst('nginx')} | {burst('cg')} |")
    add(f"| The same over 3 instances sharing Redis (A, C, D) | n/a (one nginx) | {burst('cg3')} |")

    def rss(name):
        now, peak = m[f"rss.{name}"].split()
        return f"{mib(now)} (peak {mib(peak)})"

    add(f"| RSS after load (VmRSS, peak VmHWM) | {rss('nginx')} (master and children) | A {rss('A')}; "
        f"W (large working set) {rss('W')}; B (Redis-only) {rss('B')} |")
    for country, label in (("germany", "Germany"), ("us", "United States")):
        key, strlen, usage = m[f"redis.{country}"].split()
        identity, cg_gzip, nginx_gzip = m[f"body.{country}"].split()
        add(f"| Bytes per entry, {label} (body {int(identity):,} B) | cache file "
            f"{int(m[f'nginx_file.{country}']):,} B (identity); gzip answer {int(nginx_gzip):,} B | "
            f"Redis STRLEN **{int(strlen):,} B**, MEMORY USAGE {int(usage):,} B; gzip answer {int(cg_gzip):,} B |")
    starts = [float(m[f"startup.{i}"]) for i in (1, 2, 3)]
    add(f"| Start to first `/universities?country=Germany` 200 (entry in Redis) | n/a | best **{min(starts):.0f} ms**, "
        f"median {statistics.median(starts):.0f} ms (runs: {', '.join(f'{s:.0f}' for s in starts)}) |")

    # --- targets ---
    add("")
    add("Targets:")
    add("")
    ng, cg = runs.get("nginx.germany.identity.c64"), runs.get("cg.germany.identity.c64")
    r = cpu_ratio(cg, ng)
    if r is None:
        add("- ❌ CPU per warm identity hit ≤ nginx's: not measured.")
    else:
        per_round = ", ".join(f"{c / n:.2f}×" for c, n in zip(cg["cpus"], ng["cpus"]) if c and n)
        add(f"- {mark(r <= CPU_FLOOR)} CPU per warm identity hit ≤ nginx's ({body_label(m, 'germany', 'Germany')}, "
            "`-t2 -c64`, local "
            f"tier): cachegate {fmt_us(cg['cpu_us'])} µs, nginx {fmt_us(ng['cpu_us'])} µs, **{r:.2f}×** "
            f"(floor {CPU_FLOOR:.1f}×: {mark(r <= CPU_FLOOR)}; aim {CPU_AIM:.1f}×: {mark(r <= CPU_AIM)}); "
            f"per round {per_round}.")
    for enc, floor in (("identity", WIDE_IDENTITY), ("gzip", WIDE_GZIP)):
        ng, cg = runs.get(f"nginxwide.{enc}.c64"), runs.get(f"cgwide.{enc}.c64")
        if not (ng and cg):
            add(f"- ❌ Large working set, {enc}: not measured.")
            continue
        ratio = cg["rps"] / ng["rps"]
        per_round = ", ".join(f"{c / n:.2f}×" for c, n in zip(cg["rounds"], ng["rounds"]))
        not_hits = sum(sum(int(v) for v in m[k].split()[1:]) for k in m
                       if k.startswith(f"outcomes.cgwide.{enc}.c64.r"))
        warn = (f" ⚠ {not_hits:,} of W's answers in the rounds were not hits ({cg['upstream']} upstream calls)."
                if not_hits else "")
        add(f"- {mark(ratio >= floor)} Large working set ({keys:,} keys, {(warm_bytes + gzip_total) / tier:.2f}× "
            f"the local tier), {enc} clients ≥ {floor:.1f}× nginx's req/s: {cg['rps']:,.0f} against "
            f"{ng['rps']:,.0f}, **{ratio:.2f}×** (per round {per_round}); CPU per request "
            f"{fmt_us(cg['cpu_us'])} + Redis {fmt_us(cg['redis_us'])} µs against {fmt_us(ng['cpu_us'])} µs.{warn}")
    judged = warm_misses or first_misses
    add(f"- {mark(judged['cg_added'] <= MISS_MS)} A miss adds ≤ {MISS_MS:.0f} ms over the upstream's own time"
        + (f" (after {m['miss_warmup']} misses of warm-up)" if warm_misses else "")
        + f": {judged['cg_added']:+.2f} ms (median over 10 fresh keys of through cachegate − direct; nginx "
        f"{judged['nginx_added']:+.2f} ms)"
        + (f"; first misses {first_misses['cg_added']:+.2f} ms." if warm_misses else "."))
    one, three = m.get("burst_upstream.cg"), m.get("burst_upstream.cg3")
    add(f"- {mark(one == '1' and three == '1')} One upstream call for 200 concurrent cold requests: "
        f"{one} on one instance, {three} across 3 instances.")
    de_strlen, de_usage = (int(v) for v in m["redis.germany"].split()[1:])
    add(f"- {mark(de_usage <= 12000)} Redis bytes for Germany ≤ 12,000: STRLEN {de_strlen:,}, MEMORY USAGE "
        f"{de_usage:,}.")
    peaks = {name: int(m[f"rss.{name}"].split()[1]) for name in ("A", "W")}
    add(f"- {mark(max(peaks.values()) <= RSS_KB)} RSS after the load ≤ 256 MiB, launched as the README says: "
        f"peak {mib(peaks['A'])} (A, warm hits and misses), {mib(peaks['W'])} (W, the large working set).")
    add(f"- {mark(statistics.median(starts) <= 1000)} First answer within 1 s of start: median "
        f"{statistics.median(starts):.0f} ms, best {min(starts):.0f} ms, worst {max(starts):.0f} ms.")

    # --- checks ---
    add("")
    add("Checks (answer each target gave right before its measured rounds: status, cache status, "
        "content encoding, bytes; per round req/s, p99, CPU µs per request of the target and of Redis; upstream "
        "calls during the rounds; wrk errors; for W, its answers by outcome during the rounds):")
    add("")
    add("| Run | answer before | req/s per round | p99 per round | CPU µs per round | Redis µs per round | "
        "upstream calls | requests | non-2xx | socket errors |")
    add("|---|---|---|---|---|---|---|---|---|---|")
    for run_id, run in runs.items():
        outcomes = [m.get(f"outcomes.{run_id}.r{i + 1}") for i in range(len(run["rounds"]))]
        outcome = ""
        if any(outcomes):
            hits = sum(int(o.split()[0]) for o in outcomes if o)
            missed = sum(int(o.split()[1]) for o in outcomes if o)
            other = sum(int(o.split()[2]) for o in outcomes if o)
            outcome = f" ({hits:,} hit, {missed:,} miss, {other:,} other)"
        add(f"| {run_id} | {m.get('check.' + run_id, '?')} | {', '.join(f'{r:,.0f}' for r in run['rounds'])} | "
            f"{', '.join(fmt_ms(p) for p in run['p99s'])} | {', '.join(fmt_us(c) for c in run['cpus'])} | "
            f"{', '.join(fmt_us(c) for c in run['redis_cpus'])} | {run['upstream']} | "
            f"{run['requests']:,}{outcome} | {run['non2xx']} | {run['socket_errors']} |")
    add("")

    def samples(x):
        return "; ".join(f"{d:.0f}/{c:.0f}/{n:.0f}" for d, c, n in zip(x["direct"], x["cg"], x["nginx"]))

    errors = ", ".join(f"{n} {m[f'store_errors.{n}']}" for n in ("A", "B", "W") if f"store_errors.{n}" in m)
    if errors:
        add(f"Failed store operations (`cachegate_store_errors_total`, all tiers) at the end: {errors}; a run "
            "without Redis trouble has none.")
        add("")
    other = ", ".join(f"{n} {rss(n)}" for n in ("C", "D"))
    add(f"Idle instances C and D (started for the three-instance test) after it: {other}. Miss samples (ms), "
        f"direct / cachegate / nginx: first misses {samples(first_misses)}"
        + (f"; after the warm-up {samples(warm_misses)}" if warm_misses else "") + ".")

    report = "\n".join(lines) + "\n"
    print(report)
    # Keep the sections other tools add below this report (bench/jmh.sh's; the soak's, pasted from
    # bench/soak.sh; before/after comparisons from bench/ab.sh): they run separately.
    previous = results.read_text(encoding="utf-8") if results.exists() else ""
    kept = [at for at in (previous.find(f"\n## {name}") for name in KEPT_SECTIONS) if at >= 0]
    results.write_text(report + (previous[min(kept):] if kept else ""), encoding="utf-8")


if __name__ == "__main__":
    main()
