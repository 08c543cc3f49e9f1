// Agreement check: node check.mjs --adapter BIN --mappings DIR --subjects S.csv IN.ndjson
// Runs `fhir-adapter map` on IN, then the peer on the same bytes, and compares per Observation
// id and version what both compute: analyte, standard value (1e-9 relative) and flag.
// map also resolves versions and selects per visit, so only map's records are looked up in
// the peer's results; the peer's extra results (older versions) are not mismatches.
// Exit 0 when there is no mismatch, 1 otherwise.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { execFileSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { run, FLAG } from './peer_lib.mjs';

const { values: o, positionals: [input] } = parseArgs({
  options: { adapter: { type: 'string' }, mappings: { type: 'string' }, subjects: { type: 'string' } },
  allowPositionals: true,
});
if (!input || !o.adapter || !o.mappings || !o.subjects) {
  console.error('usage: node check.mjs --adapter BIN --mappings DIR --subjects S.csv IN.ndjson');
  process.exit(2);
}
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'peer-check-'));
const mapOut = path.join(tmp, 'map.ndjson');
execFileSync(o.adapter, ['map', '--mappings', o.mappings, '--subjects', o.subjects, '--output', mapOut, input],
  { stdio: ['ignore', 'ignore', 'inherit'] });

// map's records keyed "id|version" ("observation": "Observation/{id}/_history/{version}").
const want = new Map();
const rl = readline.createInterface({ input: fs.createReadStream(mapOut), crlfDelay: Infinity });
for await (const line of rl) {
  if (!line) continue;
  const m = JSON.parse(line);
  const [, id, , version] = m.observation.split('/');
  want.set(`${id}|${version}`, m);
}
fs.rmSync(tmp, { recursive: true });

const res = { map_records: want.size, compared: 0, analyte: 0, value: 0, flag: 0,
  flag_not_compared: 0, missing_in_peer: 0, flag_by_ref_source: {}, examples: [] };
const close = (a, b) => a === b || Math.abs(a - b) <= 1e-9 * Math.max(Math.abs(a), Math.abs(b));
await run(input, o.mappings, o.subjects, (r) => {
  const m = want.get(`${r.id}|${r.version}`);
  if (!m) return;
  want.delete(`${r.id}|${r.version}`);
  res.compared++;
  const bad = [];
  if (m.analyte !== r.analyte) { res.analyte++; bad.push('analyte'); }
  if (typeof m.value !== 'number' || !close(m.value, r.value)) { res.value++; bad.push('value'); }
  // The peer flags against the protocol default only (null for analytes it cannot flag);
  // map's ref_source says which range it used, so a flag mismatch is split by it.
  if (r.flag === null) res.flag_not_compared++;
  else if (FLAG[r.flag] !== m.flag) {
    res.flag++; bad.push('flag');
    res.flag_by_ref_source[m.ref_source] = (res.flag_by_ref_source[m.ref_source] || 0) + 1;
  }
  if (bad.length && res.examples.length < 5) res.examples.push({ id: r.id, version: r.version, bad, map: { analyte: m.analyte, value: m.value, flag: m.flag, ref_source: m.ref_source, ref_low: m.ref_low, ref_high: m.ref_high }, peer: r });
});
res.missing_in_peer = want.size;
for (const [k] of want) { if (res.examples.length >= 10) break; res.examples.push({ missing: k }); }
res.mismatches = res.analyte + res.value + res.flag + res.missing_in_peer;
console.log(JSON.stringify(res, null, 1));
process.exit(res.mismatches ? 1 : 0);
