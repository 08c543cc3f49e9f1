#!/usr/bin/env node
// Smoke test of every sandbox behaviour the adapter relies on. Exit code != 0 on failure.
// Starts server.mjs (port 0) seeded with a small generated cohort and flaky-proxy.mjs in front.
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const t0 = performance.now();
const children = [];
let passed = 0;

function check(name, fn) {
  return Promise.resolve()
    .then(fn)
    .then(() => {
      passed++;
      console.log(`ok - ${name}`);
    })
    .catch((err) => {
      console.error(`FAIL - ${name}\n${err.stack}`);
      throw err;
    });
}

/** Start a node script and resolve with the URL from its ready line. */
function start(script, args, pattern) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(HERE, script), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => {
      out += d;
      const m = pattern.exec(out);
      if (m) resolve({ child, url: m[1], stderr: () => err });
    });
    child.stderr.on('data', (d) => (err += d));
    child.on('exit', (code) => reject(new Error(`${script} exited ${code}: ${err}`)));
  });
}

async function get(url, init) {
  const res = await fetch(url, init);
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
}

const json = (body, extra = {}) => ({ headers: { 'content-type': 'application/fhir+json', ...extra }, body: JSON.stringify(body) });

/** Follow next links verbatim; return all entries and the pages. */
async function collect(url) {
  const entries = [];
  let pages = 0;
  for (let next = url; next; ) {
    const res = await get(next);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    entries.push(...(res.body.entry ?? []));
    next = res.body.link?.find((l) => l.relation === 'next')?.url;
    pages++;
    assert.ok(pages < 1000, 'paging does not terminate');
  }
  return { entries, pages };
}

async function main() {
  // ---- generator: determinism, then a small cohort for the server ----
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sandbox-smoke-'));
  process.on('exit', () => fs.rmSync(tmp, { recursive: true, force: true }));
  const gen = (dir, ...args) => execFileSync(process.execPath, [path.join(HERE, 'cohort/generate.mjs'), '--out', dir, ...args]);
  await check('generator is byte-identical for the same seed and differs for another', () => {
    gen(path.join(tmp, 'a'));
    gen(path.join(tmp, 'b'));
    gen(path.join(tmp, 'c'), '--seed', '73');
    for (const f of ['subjects.csv', 'patients.ndjson', 'observations.ndjson', 'deletes.txt', 'summary.json']) {
      assert.ok(fs.readFileSync(path.join(tmp, 'a', f)).equals(fs.readFileSync(path.join(tmp, 'b', f))), f);
    }
    assert.notDeepEqual(fs.readFileSync(path.join(tmp, 'a', 'observations.ndjson')), fs.readFileSync(path.join(tmp, 'c', 'observations.ndjson')));
    const counts = JSON.parse(fs.readFileSync(path.join(tmp, 'a', 'summary.json'))).counts;
    assert.ok(counts.observation_versions >= 3500 && counts.observation_versions <= 4500, String(counts.observation_versions));
    assert.equal(fs.readFileSync(path.join(tmp, 'a', 'subjects.csv'), 'utf8').split('\n')[0], 'subject_id,patient,dose1_date,dose2_date');
  });
  const dir = path.join(tmp, 'small');
  gen(dir, '--subjects', '8', '--seed', '5');
  const lines = fs.readFileSync(path.join(dir, 'observations.ndjson'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  const deleted = new Set(fs.readFileSync(path.join(dir, 'deletes.txt'), 'utf8').split('\n').filter(Boolean));
  const latest = new Map();
  for (const o of lines) latest.set(o.id, o);
  for (const id of deleted) latest.delete(id);
  const current = [...latest.values()];
  const ids = (list) => list.map((e) => (e.resource ?? e).id).sort();

  // ---- server ----
  const server = await start('server.mjs', ['--port', '0', '--seed-dir', dir], /listening on (http:\/\/\S+\/fhir)\n/);
  const base = server.url;
  console.log(`# server ${base} ready after ${((performance.now() - t0) / 1000).toFixed(1)} s`);

  await check('metadata: CapabilityStatement 4.0.1, content type, Date and keep-alive headers', async () => {
    const res = await get(`${base}/metadata`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type'), /^application\/fhir\+json/);
    assert.ok(!Number.isNaN(Date.parse(res.headers.get('date'))), 'Date header');
    assert.equal(res.body.resourceType, 'CapabilityStatement');
    assert.equal(res.body.fhirVersion, '4.0.1');
    const obs = res.body.rest[0].resource.find((r) => r.type === 'Observation');
    assert.ok(res.body.rest[0].resource.find((r) => r.type === 'Patient'));
    const conn = await new Promise((resolve, reject) => {
      http.get(`${base}/metadata`, (r) => { r.resume(); r.on('end', () => resolve(r.headers.connection)); }).on('error', reject);
    });
    assert.equal(conn, 'keep-alive');
    for (const p of ['code', 'patient', 'subject', 'category', '_lastUpdated', '_id', 'status', 'date']) {
      assert.ok(obs.searchParam.some((s) => s.name === p), p);
    }
  });

  await check('server clock (Date header) is not behind any seeded lastUpdated', async () => {
    const res = await get(`${base}/metadata`);
    const maxSeeded = lines.map((o) => o.meta.lastUpdated).sort().at(-1);
    assert.ok(Date.parse(res.headers.get('date')) >= Math.floor(Date.parse(maxSeeded) / 1000) * 1000, `${res.headers.get('date')} vs ${maxSeeded}`);
  });

  await check('seeded versions and lastUpdated are exactly as generated', async () => {
    const sample = lines.filter((o, i) => i % 97 === 0 && latest.get(o.id) === o);
    for (const o of sample) {
      const res = await get(`${base}/Observation/${o.id}`);
      assert.equal(res.status, 200);
      assert.equal(res.body.meta.versionId, o.meta.versionId);
      assert.equal(res.body.meta.lastUpdated, o.meta.lastUpdated);
      assert.match(res.headers.get('etag'), new RegExp(`W/"${o.meta.versionId}"`));
    }
  });

  const bili = ['1975-2', '14631-6'];
  const hasCode = (o, codes) => o.code.coding.some((c) => c.system === 'http://loinc.org' && codes.includes(c.code));
  await check('search code=system|code,system|code (comma = OR)', async () => {
    const res = await get(`${base}/Observation?code=${bili.map((c) => `http://loinc.org|${c}`).join(',')}&_count=1000`);
    const want = current.filter((o) => hasCode(o, bili));
    assert.ok(want.length > 20);
    assert.equal(res.body.total, want.length);
    assert.deepEqual(ids(res.body.entry), ids(want));
    assert.ok(res.body.entry.every((e) => e.fullUrl === `${base}/Observation/${e.resource.id}`));
  });

  const patient = current[0].subject.reference;
  await check('search patient= / subject= (relative, bare id, absolute) and category=', async () => {
    const want = ids(current.filter((o) => o.subject.reference === patient));
    for (const q of [`patient=${patient}`, `subject=${patient}`, `patient=${patient.split('/')[1]}`, `subject=${base}/${patient}`]) {
      const res = await get(`${base}/Observation?${q}&_count=1000`);
      assert.deepEqual(ids(res.body.entry), want, q);
    }
    const lab = await get(`${base}/Observation?category=http://terminology.hl7.org/CodeSystem/observation-category|laboratory&_count=0`);
    assert.equal(lab.body.total, current.length);
    const both = await get(`${base}/Observation?patient=${patient}&category=laboratory&code=http://loinc.org|${bili[0]},http://loinc.org|${bili[1]}&_count=1000`);
    assert.deepEqual(ids(both.body.entry ?? []), ids(current.filter((o) => o.subject.reference === patient && hasCode(o, bili))));
  });

  await check('_lastUpdated=ge with millisecond precision (ge includes, gt excludes the boundary)', async () => {
    const sorted = current.map((o) => o.meta.lastUpdated).sort();
    const t = sorted[Math.floor(sorted.length / 2)];
    const ge = await get(`${base}/Observation?_lastUpdated=ge${t}&_count=0`);
    assert.equal(ge.body.total, sorted.filter((x) => x >= t).length);
    const gt = await get(`${base}/Observation?_lastUpdated=gt${t}&_count=0`);
    assert.equal(gt.body.total, ge.body.total - 1);
    const plus8 = new Date(Date.parse(t)).toISOString().replace('Z', '');
    const shifted = `${plus8.slice(0, 11)}${String((Number(plus8.slice(11, 13)) + 8) % 24).padStart(2, '0')}${plus8.slice(13)}+08:00`;
    if (Number(plus8.slice(11, 13)) < 16) {
      const off = await get(`${base}/Observation?_lastUpdated=${encodeURIComponent('ge' + shifted)}&_count=0`);
      assert.equal(off.body.total, ge.body.total, 'offset form of the same instant');
    }
  });

  await check('_count + next links reach every result exactly once, in _lastUpdated order', async () => {
    const want = current.filter((o) => hasCode(o, bili));
    const { entries, pages } = await collect(`${base}/Observation?code=http://loinc.org|${bili[0]},http://loinc.org|${bili[1]}&_sort=_lastUpdated&_count=7`);
    assert.equal(pages, Math.ceil(want.length / 7));
    assert.equal(new Set(ids(entries)).size, entries.length, 'duplicates across pages');
    assert.deepEqual(ids(entries), ids(want));
    const stamps = entries.map((e) => e.resource.meta.lastUpdated);
    assert.deepEqual(stamps, [...stamps].sort());
    const all = await collect(`${base}/Observation?_count=250`);
    assert.deepEqual(ids(all.entries), ids(current));
  });

  await check('_count default 20 and cap 1000; _sort=-_lastUpdated; _id', async () => {
    const dflt = await get(`${base}/Observation`);
    assert.equal(dflt.body.entry.length, 20);
    assert.ok(dflt.body.link.some((l) => l.relation === 'next'));
    const big = await get(`${base}/Observation?_count=5000`);
    assert.equal(big.body.entry.length, Math.min(1000, current.length));
    const desc = await get(`${base}/Observation?_sort=-_lastUpdated&_count=50`);
    const stamps = desc.body.entry.map((e) => e.resource.meta.lastUpdated);
    assert.deepEqual(stamps, [...stamps].sort().reverse());
    assert.equal(stamps[0], current.map((o) => o.meta.lastUpdated).sort().at(-1));
    const byId = await get(`${base}/Observation?_id=${current[3].id},${current[4].id}`);
    assert.deepEqual(ids(byId.body.entry), ids([current[3], current[4]]));
  });

  const multi = current.find((o) => o.meta.versionId === '2' && o.status === 'amended');
  await check('versions: read, _history (newest first), vread', async () => {
    const read = await get(`${base}/Observation/${multi.id}`);
    assert.equal(read.body.meta.versionId, '2');
    assert.equal(read.body.status, 'amended');
    const hist = await get(`${base}/Observation/${multi.id}/_history`);
    assert.equal(hist.body.type, 'history');
    assert.deepEqual(hist.body.entry.map((e) => e.resource.meta.versionId), ['2', '1']);
    const v1 = await get(`${base}/Observation/${multi.id}/_history/1`);
    assert.equal(v1.status, 200);
    assert.equal(v1.body.meta.versionId, '1');
    assert.deepEqual(v1.body.valueQuantity, lines.find((o) => o.id === multi.id && o.meta.versionId === '1').valueQuantity);
    const missing = await get(`${base}/Observation/${multi.id}/_history/9`);
    assert.equal(missing.status, 404);
    assert.equal(missing.body.resourceType, 'OperationOutcome');
  });

  let maxStamp = current.map((o) => o.meta.lastUpdated).sort().at(-1);
  const sinceLive = new Date(Date.parse(maxStamp) + 1).toISOString();
  await check('update numbers versions and lastUpdated strictly increases', async () => {
    const target = current.find((o) => o.meta.versionId === '1' && o.status === 'final');
    let prev = maxStamp;
    for (let i = 0; i < 25; i++) {
      const body = { ...target, status: 'amended', valueQuantity: { ...target.valueQuantity, value: i } };
      delete body.meta;
      const res = await get(`${base}/Observation/${target.id}`, { method: 'PUT', ...json(body) });
      assert.equal(res.status, 200);
      assert.equal(res.body.meta.versionId, String(i + 2));
      assert.ok(res.body.meta.lastUpdated > prev, `${res.body.meta.lastUpdated} > ${prev}`);
      prev = res.body.meta.lastUpdated;
    }
    const created = await get(`${base}/Observation`, { method: 'POST', ...json({ ...target, id: undefined, meta: undefined }) });
    assert.equal(created.status, 201);
    assert.equal(created.body.meta.versionId, '1');
    assert.ok(created.headers.get('location').includes(`/Observation/${created.body.id}/_history/1`));
    maxStamp = prev;
  });

  await check('delete: 410 Gone on read, DELETE entry in instance and type history, gone from search', async () => {
    for (const id of deleted) {
      const res = await get(`${base}/Observation/${id}`);
      assert.equal(res.status, 410);
      assert.equal(res.body.resourceType, 'OperationOutcome');
      const hist = await get(`${base}/Observation/${id}/_history`);
      assert.equal(hist.body.entry[0].request.method, 'DELETE');
      assert.ok(hist.body.entry[0].response.lastModified);
      assert.ok(!hist.body.entry[0].resource);
    }
    const victim = current.find((o) => o.meta.versionId === '1' && !deleted.has(o.id) && o.status === 'final' && o.id !== multi.id);
    const del = await get(`${base}/Observation/${victim.id}`, { method: 'DELETE' });
    assert.ok(del.status === 200 || del.status === 204);
    assert.equal((await get(`${base}/Observation/${victim.id}`)).status, 410);
    const found = await get(`${base}/Observation?_id=${victim.id}`);
    assert.equal(found.body.total, 0);
    const typeHist = await collect(`${base}/Observation/_history?_since=${encodeURIComponent(sinceLive)}&_count=10`);
    const last = typeHist.entries[0];
    assert.equal(last.request.method, 'DELETE');
    assert.equal(last.request.url, `Observation/${victim.id}`);
    // the seeded deletes (stamped just after the last seeded version), the updates, the create, the delete
    assert.equal(typeHist.entries.length, deleted.size + 25 + 1 + 1);
    const stamps = typeHist.entries.map((e) => e.response.lastModified);
    assert.deepEqual(stamps, [...stamps].sort().reverse());
    const seededDeletes = await collect(`${base}/Observation/_history?_count=1000`);
    assert.equal(seededDeletes.entries.filter((e) => e.request.method === 'DELETE').length, deleted.size + 1);
  });

  await check('conditional create (If-None-Exist) and _summary=count', async () => {
    const existing = multi; // never deleted by the checks above
    const body = { ...existing, id: undefined, meta: undefined };
    const dup = await get(`${base}/Observation`, { method: 'POST', ...json(body, { 'if-none-exist': `_id=${existing.id}` }) });
    assert.equal(dup.status, 200);
    assert.equal(dup.body.id, existing.id);
    const fresh = await get(`${base}/Observation`, { method: 'POST', ...json(body, { 'if-none-exist': '_id=not-there' }) });
    assert.equal(fresh.status, 201);
    assert.equal(fresh.body.meta.versionId, '1');
    await get(`${base}/Observation/${fresh.body.id}`, { method: 'DELETE' });
    const summary = await get(`${base}/Observation?patient=${patient}&_summary=count`);
    assert.equal(summary.body.total, current.filter((o) => o.subject.reference === patient).length);
    assert.equal(summary.body.entry, undefined);
  });

  await check('errors are OperationOutcomes with proper status codes', async () => {
    const nf = await get(`${base}/Observation/no-such-id`);
    assert.equal(nf.status, 404);
    assert.equal(nf.body.resourceType, 'OperationOutcome');
    const badJson = await get(`${base}/Observation/x1`, { method: 'PUT', headers: { 'content-type': 'application/fhir+json' }, body: '{nope' });
    assert.equal(badJson.status, 400);
    const invalid = await get(`${base}/Observation/x1`, { method: 'PUT', ...json({ resourceType: 'Observation', id: 'x1', status: 'final' }) });
    assert.equal(invalid.status, 400, 'missing Observation.code must be rejected');
    assert.equal(invalid.body.resourceType, 'OperationOutcome');
    const strict = await get(`${base}/Observation?bogus=1`, { headers: { prefer: 'handling=strict' } });
    assert.equal(strict.status, 400);
    const lenient = await get(`${base}/Observation?bogus=1&_count=0`);
    assert.equal(lenient.body.total, current.length - 1 + 1); // one deleted above, one created
    const badCount = await get(`${base}/Observation?_count=abc`);
    assert.equal(badCount.status, 400);
  });

  // ---- proxy ----
  const proxy = await start('flaky-proxy.mjs', ['--listen', '0', '--target', base.replace(/\/fhir$/, ''), '--plan', '429:1,429-retry-after:1,503:1,reset:1,ok:2', '--rewrite-links'], /listening on (http:\/\/\S+) /);
  await check('flaky proxy: 429, 429 + Retry-After, 503, reset, then forwarding with rewritten links', async () => {
    const url = `${proxy.url}/fhir/Observation?_count=3`;
    const a = await get(url);
    assert.equal(a.status, 429);
    assert.equal(a.headers.get('retry-after'), null);
    const b = await get(url);
    assert.equal(b.status, 429);
    assert.equal(b.headers.get('retry-after'), '1');
    assert.equal((await get(url)).status, 503);
    await assert.rejects(fetch(url), 'reset must fail the request');
    const ok = await get(url);
    assert.equal(ok.status, 200);
    assert.ok(ok.body.link.find((l) => l.relation === 'next').url.startsWith(proxy.url + '/fhir/'), 'next link through the proxy');
    const page2 = await get(ok.body.link.find((l) => l.relation === 'next').url);
    assert.equal(page2.status, 200);
    assert.equal((await get(url)).status, 429, 'rotation restarts');
    const stats = await get(`${proxy.url}/__proxy/stats`);
    assert.equal(stats.body.requests, 7);
  });

  const secs = (performance.now() - t0) / 1000;
  console.log(`# ${passed} checks passed in ${secs.toFixed(1)} s`);
  assert.ok(secs < 60, 'smoke test must run in under 60 s');
}

main()
  .then(() => (process.exitCode = 0))
  .catch(() => (process.exitCode = 1))
  .finally(() => {
    for (const c of children) c.kill('SIGTERM');
  });
