#!/usr/bin/env python3
"""bench_bulk: a first load of a cohort (300 subjects by default) from the sandbox FHIR server,
by paged search and by Bulk Data $export (sandbox/bulk-export.mjs), in one run.

Both are `run --once --skip-rescan` on an empty store: paged search is the daemon without
[bulk]; $export is the same with `[bulk] first_load = true` (export, then the incremental
searches from the manifest's transactionTime). Prints wall time, the adapter's CPU time (user +
system, from wait4) and its share of wall time, HTTP requests, observations stored, and what
the requests would cost at a realistic server latency (docs/fhir-servers.md: 35-55 ms per
filtered search) on top of the local wall time. Checks that both loads give the same records.

Usage: bench/bulk_bench.py [--binary build/fhir-adapter] [--subjects 300] [--page-size 100]
       [--file-size 1000] [--latency-ms 50]
"""
import argparse
import json
import os
import resource
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "integration"))
import harness as h  # noqa: E402


def timed_run(args):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.monotonic()
    r = subprocess.run([h.BINARY, *args], capture_output=True, text=True)
    wall = time.monotonic() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if r.returncode != 0:
        sys.exit(f"fhir-adapter {' '.join(args)} failed ({r.returncode}):\n{r.stderr[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, r.stderr


def events(log, name):
    return [json.loads(l) for l in log.splitlines() if f'"event":"{name}"' in l]


def start_sandbox(cohort, file_size):
    args = ["node", os.path.join(h.SANDBOX, "server.mjs"), "--port", "0", "--host", "127.0.0.1", "--seed-dir", cohort,
            "--bulk-file-size", str(file_size)]
    sandbox = h.Sandbox.__new__(h.Sandbox)
    sandbox.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    line = h._wait_line(sandbox.proc, "listening on", timeout=1800)
    sandbox.base = line.split("listening on ")[1].strip()
    return sandbox


def load(work, name, base, subjects, page_size, bulk):
    run_dir = os.path.join(work, name)
    os.makedirs(run_dir)
    config = h.write_config(run_dir, base, subjects, fhir={"page_size": page_size})
    if bulk:
        with open(config, "a") as f:
            f.write('\n[bulk]\nlevel = "system"\nfirst_load = true\n')
    wall, cpu, stderr = timed_run(["run", "--once", "--skip-rescan", "--config", config])
    passes = h.sync_log(stderr)
    requests = sum(int(p["requests"]) for p in passes)
    stored = sum(int(p["new_versions"]) for p in passes)
    row = {"load": name, "wall": wall, "cpu": cpu, "search_requests": requests, "bulk_requests": 0, "stored": stored}
    for b in events(stderr, "bulk_export"):
        # kick-off + status polls + file downloads (redirect hops included) + the DELETE
        row["bulk_requests"] += int(b["kickoffs"]) + int(b["status_polls"]) + int(b["file_requests"]) + 1
        row["stored"] += int(b["new_versions"])
    row["requests"] = row["search_requests"] + row["bulk_requests"]
    return row, h.records_text(config)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", default=h.BINARY)
    ap.add_argument("--subjects", type=int, default=300)
    ap.add_argument("--page-size", type=int, default=100)
    ap.add_argument("--file-size", type=int, default=1000)
    ap.add_argument("--latency-ms", type=int, default=50)
    args = ap.parse_args()
    h.BINARY = os.path.abspath(args.binary)
    with h.TempDir() as work:
        cohort = os.path.join(work, "cohort")
        subprocess.run(["node", os.path.join(h.SANDBOX, "cohort", "generate.mjs"), "--out", cohort,
                        "--subjects", str(args.subjects)], check=True, capture_output=True)
        t0 = time.monotonic()
        sandbox = start_sandbox(cohort, args.file_size)
        seeded = time.monotonic() - t0
        try:
            subjects = os.path.join(cohort, "subjects.csv")
            paged, paged_records = load(work, "paged search", sandbox.base, subjects, args.page_size, False)
            bulk, bulk_records = load(work, "$export", sandbox.base, subjects, args.page_size, True)
        finally:
            sandbox.stop()
    same = paged_records == bulk_records
    print(f"bench_bulk: first load of a {args.subjects}-subject cohort from the sandbox FHIR server (seeded in "
          f"{seeded:.0f} s); paged search _count={args.page_size}; $export files of {args.file_size} resources; "
          f"run --once --skip-rescan on an empty store")
    print(f"{'load':14} {'wall s':>8} {'adapter cpu s':>14} {'cpu/wall':>9} {'requests':>9} {'(search':>8} {'bulk)':>6} "
          f"{'stored':>8} {'+' + str(args.latency_ms) + ' ms/request s':>20}")
    for r in (paged, bulk):
        at_latency = r["wall"] + r["requests"] * args.latency_ms / 1000
        print(f"{r['load']:14} {r['wall']:8.2f} {r['cpu']:14.2f} {r['cpu'] / r['wall']:9.3f} {r['requests']:9d} "
              f"{r['search_requests']:8d} {r['bulk_requests']:6d} {r['stored']:8d} {at_latency:20.2f}")
    print(f"records: {len(bulk_records.splitlines())} by $export, {len(paged_records.splitlines())} by paged search: "
          f"{'identical' if same else 'DIFFERENT'}")
    print("PASS" if same else "FAIL")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
