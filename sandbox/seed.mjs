#!/usr/bin/env node
// Load a generated cohort into a FHIR server: patients, then every Observation version in file
// order with PUT (so the server builds real history), then the deletes.
// Sequential on purpose: the file is in meta.lastUpdated order and each PUT must land after the
// previous one for versionIds and lastUpdated to come out as generated.
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';

const readLines = (file) => fs.readFileSync(file, 'utf8').split('\n').filter((l) => l.trim());

/**
 * @param dir cohort directory (generate.mjs --out)
 * @param send async (method, relativeUrl, body, headers) => {status, body}; relativeUrl has no base
 * @param opts.keepLastUpdated ask the sandbox to keep the generated meta.lastUpdated
 *   (header X-Sandbox-Keep-LastUpdated; other servers ignore it and stamp their own time)
 */
export async function seedCohort(dir, send, { keepLastUpdated = true } = {}) {
  const headers = { 'content-type': 'application/fhir+json' };
  if (keepLastUpdated) headers['x-sandbox-keep-lastupdated'] = 'true';
  const stats = { patients: 0, versions: 0, deletes: 0, version_mismatches: 0 };
  const put = async (r) => {
    const res = await send('PUT', `${r.resourceType}/${encodeURIComponent(r.id)}`, r, headers);
    if (res.status !== 200 && res.status !== 201) {
      throw new Error(`PUT ${r.resourceType}/${r.id} -> ${res.status} ${JSON.stringify(res.body).slice(0, 400)}`);
    }
    return res.body;
  };
  for (const line of readLines(path.join(dir, 'patients.ndjson'))) {
    await put(JSON.parse(line));
    stats.patients++;
  }
  for (const line of readLines(path.join(dir, 'observations.ndjson'))) {
    const r = JSON.parse(line);
    const stored = await put(r);
    // A server that already held data (or ignores the header) numbers or stamps differently.
    if (stored.meta?.versionId !== r.meta?.versionId || (keepLastUpdated && stored.meta?.lastUpdated !== r.meta?.lastUpdated)) {
      stats.version_mismatches++;
    }
    stats.versions++;
  }
  const deletesFile = path.join(dir, 'deletes.txt');
  for (const id of fs.existsSync(deletesFile) ? readLines(deletesFile) : []) {
    const res = await send('DELETE', `Observation/${encodeURIComponent(id.trim())}`, undefined, {});
    if (res.status >= 300) throw new Error(`DELETE Observation/${id} -> ${res.status}`);
    stats.deletes++;
  }
  return stats;
}

/** send() over HTTP; Node's fetch keeps connections alive. */
export function httpSender(base) {
  const root = base.replace(/\/+$/, '');
  return async (method, url, body, headers) => {
    const res = await fetch(`${root}/${url}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  };
}

async function main() {
  const { values } = parseArgs({
    options: {
      base: { type: 'string', default: 'http://127.0.0.1:8080/fhir' },
      dir: { type: 'string' },
      'server-timestamps': { type: 'boolean', default: false },
    },
  });
  if (!values.dir) {
    process.stderr.write('usage: seed.mjs --base http://127.0.0.1:8080/fhir --dir COHORT_DIR [--server-timestamps]\n');
    process.exit(2);
  }
  const t0 = performance.now();
  const stats = await seedCohort(values.dir, httpSender(values.base), { keepLastUpdated: !values['server-timestamps'] });
  process.stdout.write(`seeded ${JSON.stringify(stats)} in ${((performance.now() - t0) / 1000).toFixed(2)} s\n`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((err) => {
    process.stderr.write(`seed failed: ${err.message}\n`);
    process.exit(1);
  });
}
