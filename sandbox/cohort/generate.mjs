#!/usr/bin/env node
// Deterministic synthetic cohort for NCT05106972 (UC-MSC for decompensated HBV cirrhosis).
// Same --seed and options => byte-identical files: one seeded PRNG, no clock, no Math.random,
// fixed iteration order, numbers rounded with toFixed. All people and identifiers are invented.
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';

const LOINC = 'http://loinc.org';
const UCUM = 'http://unitsofmeasure.org';
const LOCAL_CODES = 'https://lis.sandbox-hospital.invalid/test-codes';
const DAY = 86_400_000;
const HOUR = 3_600_000;
const SITE_OFFSET_H = 8; // Asia/Shanghai, no DST
const VISITS = [
  ['W4', 29, 7], ['W12', 85, 7], ['W24', 169, 7], ['W36', 253, 14],
  ['W48', 337, 14], ['W60', 421, 14], ['W72', 505, 14],
];

// ---- PRNG (mulberry32) and helpers -------------------------------------------------------
function makeRng(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const r = {
    next,
    uniform: (lo, hi) => lo + (hi - lo) * next(),
    int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)), // inclusive
    chance: (p) => next() < p,
    pick: (arr) => arr[Math.floor(next() * arr.length)],
    normal: (sd = 1) => sd * Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next()),
    weighted: (items) => {
      let x = next() * items.reduce((s, i) => s + i.w, 0);
      for (const i of items) if ((x -= i.w) < 0) return i;
      return items.at(-1);
    },
    hex: (n) => Array.from({ length: n }, () => Math.floor(next() * 16).toString(16)).join(''),
  };
  return r;
}

const round = (v, dp) => Number(v.toFixed(dp));
const clamp = (v, lo, hi) => Math.min(hi, Math.max(lo, v));
const pad = (n, w = 2) => String(n).padStart(w, '0');
const dateStr = (ms) => new Date(ms).toISOString().slice(0, 10);
const isoZ = (ms, withMs = false) => (withMs ? new Date(ms).toISOString() : new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z'));
function isoSite(ms) {
  const l = new Date(ms + SITE_OFFSET_H * HOUR).toISOString();
  return `${l.slice(0, 19)}+${pad(SITE_OFFSET_H)}:00`;
}
const localDate = (ms) => dateStr(ms + SITE_OFFSET_H * HOUR);

// ---- Analytes: true values are in the PROTOCOL standard unit; variants say how a lab reports ----
const q = (unit, ucum, factor, dp) => ({ unit, ucum, factor, dp }); // ucum null = display-only unit
const ANALYTES = {
  BILI: {
    variants: [
      { w: 6, code: '14631-6', display: 'Bilirubin.total [Moles/volume] in Serum or Plasma', local: 'TBIL', ...q('umol/L', 'umol/L', 1, 1) },
      { w: 3, code: '1975-2', display: 'Bilirubin.total [Mass/volume] in Serum or Plasma', local: 'TBIL-M', ...q('mg/dL', 'mg/dL', 1 / 17.1, 2) },
      { w: 1, code: '14631-6', display: 'Bilirubin.total [Moles/volume] in Serum or Plasma', ...q('µmol/L', null, 1, 1) },
    ],
    range: [3.4, 20.5],
  },
  ALB: {
    variants: [
      { w: 5, code: '61151-7', display: 'Albumin [Mass/volume] in Serum or Plasma by Bromocresol green (BCG) dye binding method', local: 'ALB', ...q('g/L', 'g/L', 1, 1) },
      { w: 3, code: '1751-7', display: 'Albumin [Mass/volume] in Serum or Plasma', local: 'ALB-D', ...q('g/dL', 'g/dL', 0.1, 2) },
      { w: 1, code: '1751-7', display: 'Albumin [Mass/volume] in Serum or Plasma', ...q('g/l', null, 1, 1) },
    ],
    range: [40, 55],
  },
  PT: {
    variants: [
      { w: 8, code: '5902-2', display: 'Prothrombin time (PT)', local: 'PT', ...q('s', 's', 1, 1) },
      { w: 1, code: '5902-2', display: 'Prothrombin time (PT)', ...q('sec', null, 1, 1) },
    ],
    range: [11.0, 14.5],
  },
  INR: {
    variants: [
      { w: 7, code: '6301-6', display: 'INR in Platelet poor plasma by Coagulation assay', local: 'INR', ...q('{INR}', '{INR}', 1, 2) },
      { w: 2, code: '6301-6', display: 'INR in Platelet poor plasma by Coagulation assay', ...q('INR', null, 1, 2) },
      { w: 1, code: '6301-6', display: 'INR in Platelet poor plasma by Coagulation assay', ...q(undefined, null, 1, 2) },
    ],
    range: [0.8, 1.2],
  },
  PTA: {
    variants: [{ w: 1, code: '5894-1', display: 'Prothrombin time actual/normal', local: 'PTA', ...q('%', '%', 1, 0) }],
    range: [70, 120],
  },
  APTT: {
    variants: [{ w: 1, code: '3173-2', display: 'aPTT in Blood by Coagulation assay', local: 'APTT', ...q('s', 's', 1, 1) }],
    range: [25.0, 37.0],
  },
  FIBRINO: {
    variants: [
      { w: 5, code: '3255-7', display: 'Fibrinogen [Mass/volume] in Platelet poor plasma by Coagulation assay', local: 'FIB', ...q('g/L', 'g/L', 1, 2) },
      { w: 1, code: '3255-7', display: 'Fibrinogen [Mass/volume] in Platelet poor plasma by Coagulation assay', ...q('mg/dL', 'mg/dL', 100, 0) },
    ],
    range: [2.0, 4.0],
  },
  IGG: {
    variants: [
      { w: 5, code: '2465-3', display: 'IgG [Mass/volume] in Serum', local: 'IGG', ...q('g/L', 'g/L', 1, 1) },
      { w: 1, code: '2465-3', display: 'IgG [Mass/volume] in Serum', ...q('mg/dL', 'mg/dL', 100, 0) },
    ],
    range: [7.0, 16.0],
  },
  IGA: {
    variants: [
      { w: 5, code: '2458-8', display: 'IgA [Mass/volume] in Serum', local: 'IGA', ...q('g/L', 'g/L', 1, 2) },
      { w: 1, code: '2458-8', display: 'IgA [Mass/volume] in Serum', ...q('mg/dL', 'mg/dL', 100, 0) },
    ],
    range: [0.7, 4.0],
  },
  IGM: {
    variants: [
      { w: 5, code: '2472-9', display: 'IgM [Mass/volume] in Serum', local: 'IGM', ...q('g/L', 'g/L', 1, 2) },
      { w: 1, code: '2472-9', display: 'IgM [Mass/volume] in Serum', ...q('mg/dL', 'mg/dL', 100, 0) },
    ],
    range: [0.4, 2.3],
  },
  HBVDNA: {
    variants: [
      { w: 5, code: '42595-9', display: 'Hepatitis B virus DNA [#/volume] (viral load) in Serum or Plasma by NAA with probe detection', local: 'HBVDNA', ...q('IU/mL', '[IU]/mL', 1, 0) },
      { w: 1, code: '42595-9', display: 'Hepatitis B virus DNA [#/volume] (viral load) in Serum or Plasma by NAA with probe detection', ...q('IU/ml', null, 1, 0) },
      { w: 2, code: '29615-2', display: 'Hepatitis B virus DNA [#/volume] (viral load) in Serum or Plasma by Probe with amplification', ...q('copies/mL', '{copies}/mL', 5.82, 0) },
      { w: 2, code: '48398-2', display: 'Hepatitis B virus DNA [Log #/volume] (viral load) in Serum or Plasma by NAA with probe detection', log: true, ...q('log10 IU/mL', '{Log_IU}/mL', 1, 2) },
    ],
    range: [null, 20],
  },
};
// Code.text as a lab system would print it (never the adapter's analyte codes).
const TEXT = {
  BILI: 'Total bilirubin', ALB: 'Albumin', PT: 'Prothrombin time', INR: 'INR', PTA: 'Prothrombin activity',
  APTT: 'APTT', FIBRINO: 'Fibrinogen', IGG: 'Immunoglobulin G', IGA: 'Immunoglobulin A', IGM: 'Immunoglobulin M',
  HBVDNA: 'HBV DNA quantitative',
};
const LIVER_COAG = ['BILI', 'ALB', 'PT', 'INR', 'PTA', 'APTT', 'FIBRINO'];
const FULL_PANEL = [...LIVER_COAG, 'IGG', 'IGA', 'IGM', 'HBVDNA'];
// Results the adapter must ignore: same patients, codes outside the mappings.
const NON_TRIAL = [
  { code: '2345-7', display: 'Glucose [Mass/volume] in Serum or Plasma', unit: 'mmol/L', mean: 5.6, sd: 0.9, dp: 1 },
  { code: '1742-6', display: 'Alanine aminotransferase [Enzymatic activity/volume] in Serum or Plasma', unit: 'U/L', mean: 48, sd: 15, dp: 0 },
];
const HBV_LLOQ = 20;

/** Per-subject disease course: true values (standard units) as a function of study day. */
function makeCourse(rng) {
  const sev = rng.uniform(0, 1); // baseline severity
  const resp = rng.chance(0.12) ? rng.uniform(0, 0.15) : rng.uniform(0.45, 1); // a few non-responders
  const hbvBase = rng.uniform(3, 6); // log10 IU/mL
  const hbvSlope = rng.chance(0.15) ? rng.uniform(0.05, 0.15) : rng.uniform(0.35, 1.1); // log10 per 30 days
  const hbvFloor = hbvSlope < 0.2 ? rng.uniform(1.8, 2.8) : -1;
  const base = {
    BILI: 30 + 60 * sev, ALB: 24 + 9 * (1 - sev) + rng.normal(0.5), PT: 15 + 5 * sev + rng.normal(0.3),
    APTT: 38 + 12 * sev, FIBRINO: 2.0 - 0.9 * sev, IGG: 16 + 10 * rng.uniform(0, 1),
    IGA: 3 + 3 * rng.uniform(0, 1), IGM: 1 + 2 * rng.uniform(0, 1),
  };
  const effect = (day) => {
    if (day <= 1) return 0;
    const first = 1 - Math.exp(-(day - 1) / 90);
    const second = day > 169 ? 1 - Math.exp(-(day - 169) / 90) : 0;
    return resp * (0.6 * first + 0.4 * second);
  };
  return (day, a) => {
    const f = effect(day);
    switch (a) {
      case 'BILI': return base.BILI * (1 - 0.65 * f) * Math.exp(rng.normal(0.08));
      case 'ALB': return base.ALB + (38 - base.ALB) * 0.7 * f + rng.normal(1.0);
      case 'PT': return Math.max(11.5, base.PT - (base.PT - 13.5) * 0.6 * f + rng.normal(0.4));
      case 'APTT': return base.APTT - (base.APTT - 33) * 0.5 * f + rng.normal(1.2);
      case 'FIBRINO': return Math.max(0.5, base.FIBRINO + (2.5 - base.FIBRINO) * 0.6 * f + rng.normal(0.1));
      case 'IGG': return base.IGG - (base.IGG - 14) * 0.5 * f + rng.normal(0.8);
      case 'IGA': return Math.max(0.5, base.IGA - (base.IGA - 3) * 0.5 * f + rng.normal(0.25));
      case 'IGM': return Math.max(0.3, base.IGM - (base.IGM - 1.5) * 0.5 * f + rng.normal(0.15));
      case 'HBVDNA': {
        const lg = Math.max(hbvFloor, hbvBase - hbvSlope * Math.max(0, day + 28) / 30) + rng.normal(0.15);
        return 10 ** lg;
      }
      default: throw new Error(a);
    }
  };
}

export function generate({ seed = 72, subjects = 30, start = '2026-01-05', asOf } = {}) {
  const rng = makeRng(seed);
  const startMs = Date.parse(start + 'T00:00:00Z');
  if (Number.isNaN(startMs)) throw new Error('bad --start ' + start);
  const usedIds = new Set();
  const newId = (prefix, n) => {
    let id;
    do id = prefix + rng.hex(n); while (usedIds.has(id));
    usedIds.add(id);
    return id;
  };
  const stats = {};
  const count = (k, n = 1) => (stats[k] = (stats[k] ?? 0) + n);

  // ---- Patients and roster ----
  const SURNAMES = ['Wang', 'Li', 'Zhang', 'Liu', 'Chen', 'Yang', 'Huang', 'Zhao', 'Wu', 'Zhou', 'Xu', 'Sun', 'Ma', 'Zhu', 'Hu', 'Lin'];
  const makePatient = (n, onRoster) => {
    const id = newId('pt', 8);
    const gender = rng.chance(0.7) ? 'male' : 'female'; // HBV cirrhosis cohorts are mostly male
    const birth = Date.UTC(2026 - rng.int(20, 60), rng.int(0, 11), rng.int(1, 28));
    return {
      resourceType: 'Patient', id,
      // Registered well before the first draw, so seeding keeps every lastUpdated increasing.
      meta: {
        versionId: '1', lastUpdated: isoZ(startMs - 90 * DAY + n * 60_000 + rng.int(0, 59_999), true),
        tag: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActReason', code: 'HTEST', display: 'test health data' }],
      },
      identifier: [{ system: 'https://sandbox-hospital.invalid/mrn', value: `SYN${pad(n, 6)}` }],
      active: true,
      name: [{ family: rng.pick(SURNAMES), given: [`Synthetic${onRoster ? 'Subject' : 'Other'}${pad(n)}`] }],
      gender,
      birthDate: dateStr(birth),
    };
  };
  const roster = [];
  const enrolDays = Array.from({ length: subjects }, () => rng.int(0, 100)).sort((a, b) => a - b);
  const withdrawn = new Set();
  while (withdrawn.size < Math.min(2, Math.floor(subjects / 10))) withdrawn.add(rng.int(3, subjects - 1));
  const patients = [];
  for (let i = 0; i < subjects; i++) {
    const p = makePatient(i + 1, true);
    patients.push(p);
    const dose1 = startMs + enrolDays[i] * DAY;
    roster.push({
      subject: `S${pad(i + 1)}`, patient: p.id, dose1,
      dose2: withdrawn.has(i) ? null : dose1 + 168 * DAY,
      withdrawDay: withdrawn.has(i) ? rng.int(95, 150) : null,
      course: makeCourse(rng),
    });
  }
  const others = Array.from({ length: 5 }, (_, k) => makePatient(900 + k, false));
  patients.push(...others);

  // ---- Draws: one per visit (with jitter inside the window), plus unscheduled and repeats ----
  // Study day d -> calendar date: day 1 is dose 1, there is no day 0.
  const dayToMs = (dose1, d) => dose1 + (d >= 1 ? d - 1 : d) * DAY;
  const draws = [];
  for (const s of roster) {
    const maxDay = s.withdrawDay ?? Infinity;
    const add = (day, panel, kind) => draws.push({ s, day, panel, kind });
    add(rng.chance(0.6) ? rng.int(-7, 1) || 1 : rng.int(-28, -8), FULL_PANEL, 'baseline');
    for (const [name, target, win] of VISITS) {
      if (target > maxDay) break;
      if (rng.chance(0.03)) { count('missed_visits'); continue; }
      const jitter = rng.chance(0.02) ? (win + rng.int(1, 5)) * (rng.chance(0.5) ? 1 : -1) : Math.round(rng.normal(win / 3));
      const day = target + clamp(jitter, -win - 5, win + 5);
      if (Math.abs(day - target) > win) count('draws_outside_window');
      add(day === 0 ? 1 : day, FULL_PANEL, name);
      if (rng.chance(0.04)) { add(day + rng.int(1, 3), LIVER_COAG, name + '-repeat'); count('repeat_draws_in_window'); }
    }
    const nUnsched = rng.int(2, 5);
    for (let k = 0; k < nUnsched; k++) {
      // Between visits (hospitalisations, infusion-day checks): clear of the windows where possible.
      const lo = VISITS[rng.int(0, VISITS.length - 2)];
      const day = lo[1] + lo[2] + rng.int(3, 20);
      if (day > maxDay) continue;
      add(day, LIVER_COAG, 'unscheduled');
      count('unscheduled_draws');
    }
  }
  count('draws', draws.length);

  // ---- Observations (version 1), then version chains ----
  const chains = []; // each: array of versions (resources), oldest first
  const category = [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'laboratory', display: 'Laboratory' }] }];
  const effectiveOf = (ms) => {
    const f = rng.next();
    if (f < 0.5) { count('effective_offset_0800'); return isoSite(ms); }
    if (f < 0.8) { count('effective_utc_z'); return isoZ(ms); }
    count('effective_date_only');
    return localDate(ms);
  };
  const quantity = (v, value, comparator) => {
    const vq = {};
    if (comparator) vq.comparator = comparator;
    vq.value = value;
    if (v.unit !== undefined) vq.unit = v.unit;
    if (v.ucum) { vq.system = UCUM; vq.code = v.ucum; }
    return vq;
  };
  const codeOf = (v, analyte) => {
    const coding = [{ system: LOINC, code: v.code, display: v.display }];
    if (v.local && rng.chance(0.3)) coding.push({ system: LOCAL_CODES, code: v.local });
    return { coding, text: TEXT[analyte] };
  };
  const rangeOf = (a, v) => {
    const [lo, hi] = ANALYTES[a].range;
    if (v.log || v.unit === undefined) return undefined;
    const conv = (x) => round(x * v.factor, Math.max(v.dp, 1));
    if (rng.chance(0.2)) { count('reference_range_text_only'); return [{ text: lo === null ? `<${conv(hi)}` : `${conv(lo)}-${conv(hi)}` }]; }
    const r = {};
    if (lo !== null) r.low = quantity(v, conv(lo));
    r.high = quantity(v, conv(hi));
    count('reference_range_low_high');
    return [r];
  };

  for (const d of draws) {
    const { s } = d;
    // Morning collection, site local time 07:00-10:59, stored as a UTC instant.
    const collected = dayToMs(s.dose1, d.day) + (rng.int(7, 10) - SITE_OFFSET_H) * HOUR + rng.int(0, 59) * 60_000;
    const effective = effectiveOf(collected);
    for (const a of d.panel) {
      const v = rng.weighted(ANALYTES[a].variants);
      let trueVal;
      if (a === 'INR' || a === 'PTA') {
        d.pt ??= s.course(d.day, 'PT');
        trueVal = a === 'INR' ? (d.pt / 12) ** 1.1 + rng.normal(0.03) : (100 * 6) / (d.pt - 6) + rng.normal(2);
      } else {
        trueVal = s.course(d.day, a);
        if (a === 'PT') d.pt = trueVal;
      }
      const issuedMs = collected + (a === 'HBVDNA' ? rng.int(48, 160) : rng.int(2, 30)) * HOUR + rng.int(0, 3599) * 1000;
      const obs = {
        resourceType: 'Observation', id: newId('ob', 12), meta: {}, status: 'final', category,
        code: codeOf(v, a), subject: { reference: `Patient/${s.patient}` },
        effectiveDateTime: effective, issued: isoZ(issuedMs),
      };
      count('by_analyte.' + a);
      count('by_unit.' + a + ' ' + (v.unit ?? '(none)') + (v.ucum ? '' : ' [display-only]'));
      if (a === 'HBVDNA' && trueVal < HBV_LLOQ) {
        const f = rng.next();
        if (f < 0.45 && !v.log) { obs.valueQuantity = quantity(v, round(HBV_LLOQ * v.factor, 0), '<'); count('hbv_comparator_lt'); }
        else if (f < 0.75) { obs.valueString = 'Target Not Detected'; count('hbv_value_string_tnd'); }
        else if (f < 0.9) { obs.valueString = `<${HBV_LLOQ} IU/mL`; count('hbv_value_string_lt'); }
        else {
          obs.valueCodeableConcept = { coding: [{ system: 'http://snomed.info/sct', code: '260415000', display: 'Not detected' }], text: 'Not detected' };
          count('hbv_value_concept_not_detected');
        }
      } else if (rng.chance(0.006)) {
        const reason = rng.pick([['error', 'Error'], ['not-performed', 'Not Performed'], ['unknown', 'Unknown']]);
        obs.dataAbsentReason = { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/data-absent-reason', code: reason[0], display: reason[1] }] };
        if (reason[0] === 'error') obs.dataAbsentReason.text = 'Specimen haemolysed';
        count('data_absent_reason');
      } else {
        const value = v.log ? round(Math.log10(trueVal), v.dp) : round(trueVal * v.factor, v.dp);
        obs.valueQuantity = quantity(v, value);
      }
      if (rng.chance(0.1)) { const rr = rangeOf(a, v); if (rr) obs.referenceRange = rr; }
      chains.push({ obs, lastMs: issuedMs + rng.int(5_000, 900_000), analyte: a, v, onRoster: true });
    }
    // Non-trial results from the same draw (most scheduled draws also run a chemistry panel).
    if (d.panel === FULL_PANEL && rng.chance(0.8)) {
      for (const t of NON_TRIAL) {
        const issuedMs = collected + rng.int(1, 6) * HOUR;
        const obs = {
          resourceType: 'Observation', id: newId('ob', 12), meta: {}, status: 'final', category,
          code: { coding: [{ system: LOINC, code: t.code, display: t.display }] },
          subject: { reference: `Patient/${s.patient}` }, effectiveDateTime: effective, issued: isoZ(issuedMs),
          valueQuantity: { value: round(Math.max(0.5, t.mean + rng.normal(t.sd)), t.dp), unit: t.unit, system: UCUM, code: t.unit },
        };
        chains.push({ obs, lastMs: issuedMs + rng.int(5_000, 900_000) });
        count('non_trial_observations');
      }
    }
  }
  // Patients not on the roster: trial codes, must not be output.
  for (const p of others) {
    for (let k = 0; k < 8; k++) {
      const a = rng.pick(['BILI', 'ALB', 'PT', 'APTT', 'FIBRINO']);
      const v = ANALYTES[a].variants[0];
      const ms = startMs + rng.int(0, 300) * DAY + rng.int(0, 23) * HOUR;
      const obs = {
        resourceType: 'Observation', id: newId('ob', 12), meta: {}, status: 'final', category,
        code: codeOf(v, a), subject: { reference: `Patient/${p.id}` }, effectiveDateTime: effectiveOf(ms),
        issued: isoZ(ms + 6 * HOUR), valueQuantity: quantity(v, round(makeCourse(rng)(1, a) * v.factor, v.dp)),
      };
      chains.push({ obs, lastMs: ms + 7 * HOUR + rng.int(0, 999) });
      count('non_roster_observations');
    }
  }

  // ---- Versions: amendments, corrections, entered-in-error, preliminary->final, late arrivals ----
  const versions = []; // {resource, lastMs}
  const trial = chains.filter((c) => c.onRoster && c.obs.valueQuantity && !c.obs.valueQuantity.comparator);
  const pickDistinct = (n, pool, taken) => {
    const free = pool.filter((c) => !taken.has(c));
    const out = [];
    while (out.length < n && free.length) out.push(free.splice(rng.int(0, free.length - 1), 1)[0]);
    for (const c of out) taken.add(c);
    return out;
  };
  const taken = new Set();
  const bump = (c, factor) => {
    const vq = c.obs.valueQuantity;
    return { ...vq, value: round(vq.value * factor, c.v.dp) };
  };
  const plan = new Map(); // chain -> list of [status, valueQuantity|undefined, delayMs]
  for (const c of pickDistinct(30, trial, taken)) plan.set(c, [['amended', bump(c, rng.uniform(0.8, 1.25)), rng.int(2, 96) * HOUR]]), count('amended_v2');
  for (const c of pickDistinct(8, trial, taken)) plan.set(c, [['corrected', bump(c, rng.uniform(0.9, 1.1)), rng.int(2, 48) * HOUR]]), count('corrected_v2');
  for (const c of pickDistinct(15, trial, taken)) plan.set(c, [['entered-in-error', undefined, rng.int(1, 240) * HOUR]]), count('entered_in_error_v2');
  for (const c of pickDistinct(30, trial, taken)) {
    plan.set(c, [['final', rng.chance(0.5) ? bump(c, rng.uniform(0.95, 1.05)) : undefined, rng.int(4, 72) * HOUR]]);
    c.firstStatus = 'preliminary';
    count('preliminary_then_final');
  }
  for (const c of pickDistinct(6, trial, taken)) {
    plan.set(c, [['final', undefined, rng.int(4, 24) * HOUR], ['amended', bump(c, rng.uniform(0.85, 1.15)), rng.int(24, 200) * HOUR]]);
    c.firstStatus = 'preliminary';
    count('preliminary_final_amended_v3');
  }
  for (const c of pickDistinct(5, trial, taken)) { c.firstStatus = 'preliminary'; count('preliminary_only'); }
  for (const c of pickDistinct(30, trial, taken)) {
    // Late interface delivery (send-out lab, backlog): stored weeks after collection.
    const late = rng.int(14, 49) * DAY + rng.int(0, 23) * HOUR;
    c.lastMs += late;
    if (rng.chance(0.5)) c.obs.issued = isoZ(Date.parse(c.obs.issued) + late - HOUR);
    count('late_arriving');
  }
  for (const c of pickDistinct(2, trial, taken)) {
    // FHIR forbids processing a resource with an unknown modifierExtension: the adapter must reject it.
    c.obs.modifierExtension = [{ url: 'https://sandbox-hospital.invalid/fhir/StructureDefinition/unvalidated-method', valueBoolean: true }];
    count('unknown_modifier_extension');
  }
  for (const c of chains) {
    const v1 = structuredClone(c.obs);
    if (c.firstStatus) v1.status = c.firstStatus;
    let t = c.lastMs;
    versions.push({ r: v1, t });
    for (const [status, vq, delay] of plan.get(c) ?? []) {
      const next = structuredClone(versions.at(-1).r);
      next.status = status;
      if (vq) next.valueQuantity = vq;
      t += delay;
      if (status !== 'entered-in-error') next.issued = isoZ(t - rng.int(60, 600) * 1000);
      versions.push({ r: next, t });
    }
  }

  // Order by lastUpdated, make it strictly increasing (the server keeps it so when seeding), number versions.
  versions.sort((a, b) => a.t - b.t || (a.r.id < b.r.id ? -1 : a.r.id > b.r.id ? 1 : 0));
  let prev = -Infinity;
  const vCount = new Map();
  const lines = [];
  for (const ver of versions) {
    const t = Math.max(ver.t, prev + 1);
    prev = t;
    if (asOf && t > Date.parse(asOf)) continue;
    const n = (vCount.get(ver.r.id) ?? 0) + 1;
    vCount.set(ver.r.id, n);
    ver.r.meta = { versionId: String(n), lastUpdated: isoZ(t, true) };
    lines.push(JSON.stringify(ver.r));
  }
  const emitted = new Set(vCount.keys());
  // Withdrawn results: deleted after seeding (single-version finals, trial codes, on the roster).
  const deletes = pickDistinct(5, trial.filter((c) => !c.firstStatus && !plan.has(c) && emitted.has(c.obs.id)), taken).map((c) => c.obs.id);
  stats.deletes = deletes.length;
  stats.patients = patients.length;
  stats.patients_not_on_roster = others.length;
  stats.subjects = roster.length;
  stats.subjects_withdrawn = roster.filter((s) => !s.dose2).length;
  stats.observations = vCount.size;
  stats.observation_versions = lines.length;
  const subjectsCsv = ['subject_id,patient,dose1_date,dose2_date',
    ...roster.map((s) => `${s.subject},Patient/${s.patient},${dateStr(s.dose1)},${s.dose2 ? dateStr(s.dose2) : ''}`)].join('\n') + '\n';
  const sorted = Object.fromEntries(Object.entries(stats).sort(([a], [b]) => (a < b ? -1 : 1)));
  return {
    'subjects.csv': subjectsCsv,
    'patients.ndjson': patients.map((p) => JSON.stringify(p)).join('\n') + '\n',
    'observations.ndjson': lines.join('\n') + '\n',
    'deletes.txt': deletes.join('\n') + '\n',
    'summary.json': JSON.stringify({ seed, subjects, start, asOf: asOf ?? null, counts: sorted }, null, 2) + '\n',
  };
}

// The start that makes the cohort's last version fall before `end` (YYYY-MM-DD, 00:00Z), so a
// sandbox seeded with it has no timestamps in the future and keeps its clock real (the demo
// uses today). Every time in the cohort is the start plus offsets from the seeded PRNG, so
// moving the start by whole days moves everything by the same days.
export function startEndingBefore(end, options = {}) {
  const base = '2026-01-05';
  const lines = generate({ ...options, start: base })['observations.ndjson'].trim().split('\n');
  const last = Math.max(...lines.map((l) => Date.parse(JSON.parse(l).meta.lastUpdated)));
  const endMs = Date.parse(end + 'T00:00:00Z');
  if (Number.isNaN(endMs)) throw new Error('bad --end ' + end);
  return dateStr(Date.parse(base + 'T00:00:00Z') + Math.floor((endMs - last) / DAY) * DAY);
}

function main() {
  const { values } = parseArgs({
    options: {
      out: { type: 'string' },
      seed: { type: 'string', default: '72' },
      subjects: { type: 'string', default: '30' },
      start: { type: 'string', default: '2026-01-05' },
      'as-of': { type: 'string' },
      end: { type: 'string' },
    },
  });
  if (!values.out) {
    process.stderr.write('usage: generate.mjs --out DIR [--seed 72] [--subjects 30] [--start 2026-01-05 | --end YYYY-MM-DD] [--as-of ISO-INSTANT]\n');
    process.exit(2);
  }
  const shape = { seed: Number(values.seed), subjects: Number(values.subjects) };
  const start = values.end ? startEndingBefore(values.end, shape) : values.start;
  const files = generate({ ...shape, start, asOf: values['as-of'] });
  fs.mkdirSync(values.out, { recursive: true });
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(values.out, name), text);
  const c = JSON.parse(files['summary.json']).counts;
  process.stdout.write(`wrote ${values.out}: ${c.subjects} subjects, ${c.patients} patients, ${c.observations} observations, ${c.observation_versions} versions, ${c.deletes} deletes\n`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
