// The Node peer of `fhir-adapter map`: the same code match, unit conversion and flag, done the
// way a Node shop would do it (fhirpath.js over JSON.parse), for bench_node_peer. Shared by
// peer.mjs (the timed run) and check.mjs (the agreement check), so both run the same code.
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import fhirpath from 'fhirpath';
import r4 from 'fhirpath/fhir-context/r4/index.js';

// Compiled once: compiling per line would measure the fhirpath parser, not the evaluation.
const EXPRS = {
  codings: 'code.coding',
  subject: 'subject.reference',
  value: 'valueQuantity.value',
  unit: 'valueQuantity.unit',
  ucum: 'valueQuantity.code',
  effective: 'effectiveDateTime',
  status: 'status',
  version: 'meta.versionId',
};
export function compileAll() {
  const out = {};
  for (const [k, e] of Object.entries(EXPRS)) out[k] = fhirpath.compile(e, r4);
  return out;
}

// analytes.json + ranges.json -> lookup tables. Only the protocol default range is used
// (site rows and an Observation's own referenceRange are not: see README).
export function loadMappings(dir) {
  const { analytes } = JSON.parse(fs.readFileSync(path.join(dir, 'analytes.json'), 'utf8'));
  const { protocol_defaults } = JSON.parse(fs.readFileSync(path.join(dir, 'ranges.json'), 'utf8'));
  const range = new Map(protocol_defaults.map((r) => [r.analyte, r]));
  const byCoding = new Map();
  const skippedFlag = [];
  for (const a of analytes) {
    const params = a.parameters || {};
    const units = new Map();
    for (const u of a.units) {
      const conv = unitConverter(u, params);
      for (const s of u.spellings) units.set(s, conv);
      if (u.also_without_unit) units.set('', conv);
    }
    const r = range.get(a.code);
    // Only numeric low/high with the inclusive_range rule maps to L/H/N; HBV DNA's
    // "high": "lloq" with quantified_at_or_above_high (and its not-detected texts) does not.
    const flaggable = a.flag_rule === 'inclusive_range' && r &&
      typeof r.low === 'number' && typeof r.high === 'number';
    if (!flaggable) skippedFlag.push(a.code);
    const entry = { code: a.code, units, low: flaggable ? r.low : null, high: flaggable ? r.high : null, flaggable };
    for (const c of a.codings) byCoding.set(`${c.system}|${c.code}`, entry);
  }
  return { byCoding, skippedFlag };
}

function unitConverter(u, params) {
  const mul = typeof u.multiply_by === 'number' ? u.multiply_by : 1;
  const div = typeof u.divide_by === 'string' ? params[u.divide_by] : (u.divide_by || 1);
  if (!div) throw new Error(`unknown parameter ${u.divide_by}`);
  return u.log10 ? (v) => (10 ** v) * mul / div : (v) => v * mul / div;
}

// Roster: patient reference "Patient/{id}" -> subject_id.
export function loadRoster(file) {
  const lines = fs.readFileSync(file, 'utf8').split(/\r?\n/).filter((l) => l);
  const head = lines.shift().split(',');
  const ci = head.indexOf('patient'), si = head.indexOf('subject_id');
  const m = new Map();
  for (const l of lines) { const f = l.split(','); m.set(f[ci], f[si]); }
  return m;
}

// Relative "Patient/123" or an absolute URL ending in "/Patient/123".
function patientKey(ref) {
  const i = ref.lastIndexOf('Patient/');
  if (i < 0 || (i > 0 && ref[i - 1] !== '/')) return null;
  return ref.slice(i);
}

const first = (a) => (a.length ? a[0] : undefined);
const FLAG = { L: 'low', H: 'high', N: 'normal' };

// One parsed Observation -> a result, or a string saying why it is not one (for the counts).
export function evaluate(res, fx, maps, roster) {
  let analyte = null;
  for (const c of fx.codings(res)) {
    analyte = maps.byCoding.get(`${c.system}|${c.code}`);
    if (analyte) break;
  }
  if (!analyte) return 'unmatched_code';
  const ref = first(fx.subject(res));
  const key = ref && patientKey(ref);
  const subject = key && roster.get(key);
  if (!subject) return 'not_on_roster';
  const status = first(fx.status(res));
  if (status === 'entered-in-error' || status === 'cancelled') return 'not_a_result';
  const v = first(fx.value(res));
  if (typeof v !== 'number') return 'no_value';
  // UCUM code first, then the display unit; "no unit" only where the analyte allows it (INR).
  const ucum = first(fx.ucum(res)), unit = first(fx.unit(res));
  const conv = (ucum !== undefined && analyte.units.get(ucum)) ||
    (unit !== undefined && analyte.units.get(unit)) ||
    (ucum === undefined && unit === undefined ? analyte.units.get('') : undefined);
  if (!conv) return 'unknown_unit';
  const value = conv(v);
  let flag = null;
  if (analyte.flaggable) flag = value < analyte.low ? 'L' : value > analyte.high ? 'H' : 'N';
  return {
    id: res.id, version: first(fx.version(res)) ?? null, subject_id: subject,
    analyte: analyte.code, value, flag, effective: first(fx.effective(res)) ?? null, status,
  };
}
export { FLAG };

// Streams the NDJSON file (readline over a read stream: bounded memory), calls onResult for
// every result, returns the counts.
export async function run(file, mappingsDir, rosterFile, onResult) {
  const fx = compileAll();
  const maps = loadMappings(mappingsDir);
  const roster = loadRoster(rosterFile);
  const counts = { lines: 0, matched: 0, flags: { L: 0, H: 0, N: 0, none: 0 }, skipped: {},
    flag_skipped_analytes: maps.skippedFlag };
  const rl = readline.createInterface({ input: fs.createReadStream(file, { highWaterMark: 1 << 20 }), crlfDelay: Infinity });
  rl.on('line', (line) => {
    if (!line) return;
    counts.lines++;
    const r = evaluate(JSON.parse(line), fx, maps, roster);
    if (typeof r === 'string') { counts.skipped[r] = (counts.skipped[r] || 0) + 1; return; }
    counts.matched++;
    counts.flags[r.flag ?? 'none']++;
    onResult(r);
  });
  await new Promise((ok, ko) => { rl.on('close', ok); rl.input.on('error', ko); });
  return counts;
}
