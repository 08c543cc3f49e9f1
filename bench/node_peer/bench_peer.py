#!/usr/bin/env python3
"""bench_node_peer: `fhir-adapter map` against a Node fhirpath.js peer (peer.mjs) and a plain
Node JSON.parse of the same lines. Python 3 stdlib only; run `npm ci --prefix bench/node_peer`
first. Each program runs as its own child process, so wait4's ru_maxrss is its own peak RSS."""
import argparse, json, os, shutil, subprocess, sys, tempfile, time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))

# The baseline: the peer's read loop (readline over a 1 MB-chunk read stream) and JSON.parse,
# nothing else, so peer/node-parse is the cost of fhirpath and the matching alone.
NODE_PARSE = r"""
const fs = require('fs'), readline = require('readline');
let n = 0;
const rl = readline.createInterface({ input: fs.createReadStream(process.argv[1], { highWaterMark: 1 << 20 }), crlfDelay: Infinity });
rl.on('line', (l) => { if (l) { JSON.parse(l); n++; } });
rl.on('close', () => console.error(JSON.stringify({ lines: n })));
"""


def timed(argv, cwd=None):
    """Wall time (s) and peak RSS (MB) of one child; fails on a non-zero exit."""
    with tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        p = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=err, cwd=cwd)
        _, status, ru = os.wait4(p.pid, 0)
        wall = time.perf_counter() - t0
        p.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        msg = err.read().decode(errors='replace').strip()
    if p.returncode != 0:
        sys.exit(f'{argv[0]} {argv[1]} exited {p.returncode}: {msg}')
    return wall, ru.ru_maxrss / 1024.0, msg.splitlines()[-1] if msg else ''


def prefix(src, dst, mb):
    """The first whole lines of src up to mb MB: the agreement check on a bounded sample."""
    limit = mb << 20
    with open(src, 'rb') as i, open(dst, 'wb') as o:
        n = 0
        for line in i:
            if n + len(line) > limit:
                break
            o.write(line)
            n += len(line)


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument('--size-mb', type=int, default=256)
    ap.add_argument('--repeat', type=int, default=3)
    ap.add_argument('--adapter', default=os.path.join(REPO, 'build', 'fhir-adapter'))
    ap.add_argument('--mappings', default=os.path.join(REPO, 'fhir-mappings'))
    ap.add_argument('--generator', default=None, help='default: bench/generate_observations next to the adapter')
    ap.add_argument('--check-mb', type=int, default=64, help='agreement check on this prefix (0: whole file)')
    ap.add_argument('--tmpdir', default=None)
    ap.add_argument('--keep', action='store_true')
    a = ap.parse_args()
    gen = a.generator or os.path.join(os.path.dirname(a.adapter), 'bench', 'generate_observations')
    node = shutil.which('node') or sys.exit('node not found')
    work = tempfile.mkdtemp(prefix='bench-peer-', dir=a.tmpdir)
    rows, failed = [], False
    try:
        for variant in ('mixed', 'trial-only'):
            inp, subj = os.path.join(work, variant + '.ndjson'), os.path.join(work, variant + '.csv')
            subprocess.run([gen, '--size-mb', str(a.size_mb)] + (['--trial-only'] if variant == 'trial-only' else []) +
                           [inp, subj], check=True, stdout=subprocess.DEVNULL)
            size = os.path.getsize(inp)
            with open(inp, 'rb') as f:  # warm the page cache: all three read the same bytes
                while f.read(1 << 24):
                    pass
            chk = inp
            if a.check_mb and size > a.check_mb << 20:
                chk = os.path.join(work, variant + '.check.ndjson')
                prefix(inp, chk, a.check_mb)
            r = subprocess.run([node, os.path.join(HERE, 'check.mjs'), '--adapter', a.adapter, '--mappings', a.mappings,
                                '--subjects', subj, chk], capture_output=True, text=True)
            res = json.loads(r.stdout)
            failed |= r.returncode != 0
            print(f'{variant}: agreement on {os.path.getsize(chk) / 2**20:.0f} MB: {res["compared"]} of '
                  f'{res["map_records"]} map records compared, {res["mismatches"]} mismatches '
                  f'(flag not compared: {res["flag_not_compared"]}) {json.dumps(res["examples"][:3])}', flush=True)
            if chk != inp:
                os.unlink(chk)
            cmds = {
                'node-parse': [node, '-e', NODE_PARSE, inp],
                'peer': [node, os.path.join(HERE, 'peer.mjs'), '--mappings', a.mappings, '--subjects', subj,
                         '--output', '/dev/null', inp],
                'map': [a.adapter, 'map', '--mappings', a.mappings, '--subjects', subj, '--output', '/dev/null', inp],
            }
            best = {}
            for i in range(a.repeat):  # interleaved: a noisy neighbour hurts all three alike
                for name, argv in cmds.items():
                    wall, rss, last = timed(argv)
                    print(f'  {variant} run {i + 1} {name}: {wall:.2f} s, {rss:.1f} MB  {last}', flush=True)
                    t0, r0 = best.get(name, (wall, rss))
                    best[name] = (min(t0, wall), max(r0, rss))  # best time, worst peak RSS
            rows.append((variant, size, best))
    finally:
        if not a.keep:
            shutil.rmtree(work, ignore_errors=True)
    mbs = lambda size, t: size / 2**20 / t
    print(f'\n{a.size_mb} MB, best of {a.repeat}; RSS = highest peak of the runs; load average now: '
          f'{open("/proc/loadavg").read().split()[:3]}')
    print('| variant | MB/s node-parse / peer / map | peak RSS MB node-parse / peer / map | map/peer | peer/node-parse |')
    print('|---|---|---|---|---|')
    for variant, size, b in rows:
        n, p, m = (mbs(size, b[k][0]) for k in ('node-parse', 'peer', 'map'))
        print(f'| {variant} | {n:.0f} / {p:.1f} / {m:.0f} | {b["node-parse"][1]:.0f} / {b["peer"][1]:.0f} / '
              f'{b["map"][1]:.0f} | {m / p:.1f}x | {p / n:.3f} |')
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
