// FHIR Bulk Data Access ($export) for the sandbox server (server.mjs loads it).
//
// Kick-off at `GET /fhir/$export`, `/fhir/Patient/$export` and `/fhir/Group/{id}/$export` with
// `Prefer: respond-async`: 202 + Content-Location (the status URL). The export writes the
// router's own search results (the same search the adapter's paged sync makes, read in one pass
// without the _count cap) into NDJSON files of --bulk-file-size resources, one file per turn of
// the event loop. The status URL answers
// 202 (Retry-After: 1, X-Progress) for the first --bulk-polls polls, then 200 with the manifest;
// DELETE on it frees the job. Only `_type=Observation` is served; `_typeFilter` (Observation?code=
// and category=) and `_since` (as _lastUpdated=ge, inclusive, like Medplum) are applied unless
// switched off; `deleted[]` lists the Observations deleted since `_since`.
//
// Switches (command line of server.mjs, or the environment variable in brackets):
//   --bulk-ignore-typefilter  (SANDBOX_BULK_IGNORE_TYPEFILTER=1) every Observation, whatever _typeFilter says
//   --bulk-one-job            (SANDBOX_BULK_ONE_JOB=1) 429 on a kick-off while another job is not deleted
//   --bulk-expire-at N        (SANDBOX_BULK_EXPIRE_AT) the Nth file download (1-based, server-wide) finds
//                             its job expired: that and every later request for the job's files answers
//                             410, its status URL 404
//   --bulk-redirect           (SANDBOX_BULK_REDIRECT=1) file URLs 307-redirect to another origin (the same
//                             server named by the other of 127.0.0.1 / localhost), a pre-signed storage URL
//                             that refuses any Authorization header (403)
//   --bulk-requires-token     (SANDBOX_BULK_REQUIRES_TOKEN=1) requiresAccessToken true: files on the FHIR
//                             origin answer 401 without `Authorization: Bearer ...`
//   --bulk-error-file         (SANDBOX_BULK_ERROR_FILE=1) the manifest lists an error[] file with one
//                             OperationOutcome whose diagnostics hold invented patient details
//   --bulk-polls N            (SANDBOX_BULK_POLLS, default 1) 202 answers before the manifest
//   --bulk-file-size N        (SANDBOX_BULK_FILE_SIZE, default 1000) resources per output file
//   --bulk-file-delay-ms N    (SANDBOX_BULK_FILE_DELAY_MS, default 0) time each file download takes
// `GET /fhir/$export-stats` returns the counters tests check (kickoffs, polls, file downloads,
// Authorization headers sent to storage or sent though not required, deletes).

export const bulkArgs = {
  'bulk-ignore-typefilter': { type: 'boolean', default: false },
  'bulk-one-job': { type: 'boolean', default: false },
  'bulk-expire-at': { type: 'string' },
  'bulk-redirect': { type: 'boolean', default: false },
  'bulk-requires-token': { type: 'boolean', default: false },
  'bulk-error-file': { type: 'boolean', default: false },
  'bulk-polls': { type: 'string' },
  'bulk-file-size': { type: 'string' },
  'bulk-file-delay-ms': { type: 'string' },
};

/** The switches from parsed command-line values, falling back to the environment. */
export function bulkOptions(values = {}, env = process.env) {
  const flag = (name, envName) => values[name] === true || /^(1|true)$/i.test(env[envName] ?? '');
  const num = (name, envName, dflt) => Number.parseInt(values[name] ?? env[envName] ?? String(dflt), 10);
  return {
    ignoreTypeFilter: flag('bulk-ignore-typefilter', 'SANDBOX_BULK_IGNORE_TYPEFILTER'),
    oneJob: flag('bulk-one-job', 'SANDBOX_BULK_ONE_JOB'),
    expireAt: num('bulk-expire-at', 'SANDBOX_BULK_EXPIRE_AT', 0),
    redirect: flag('bulk-redirect', 'SANDBOX_BULK_REDIRECT'),
    requiresToken: flag('bulk-requires-token', 'SANDBOX_BULK_REQUIRES_TOKEN'),
    errorFile: flag('bulk-error-file', 'SANDBOX_BULK_ERROR_FILE'),
    polls: num('bulk-polls', 'SANDBOX_BULK_POLLS', 1),
    fileSize: Math.max(1, num('bulk-file-size', 'SANDBOX_BULK_FILE_SIZE', 1000)),
    fileDelayMs: num('bulk-file-delay-ms', 'SANDBOX_BULK_FILE_DELAY_MS', 0),
  };
}

const outcome = (status, code, text) => ({
  status,
  body: { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code, details: { text } }] },
});
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const yieldToLoop = () => new Promise((resolve) => setImmediate(resolve));

/** The other name of this machine: another origin for the same server. */
function storageBase(base) {
  const u = new URL(base);
  u.hostname = u.hostname === 'localhost' ? '127.0.0.1' : 'localhost';
  return u.toString().replace(/\/$/, '');
}

/**
 * `search(type, URLSearchParams, base, headers)` is the sandbox's paged search; `repo` its
 * repository (history log for deleted[], Group reads).
 */
export function createBulkExport({ search, repo, options }) {
  const jobs = new Map(); // id -> job
  const stats = { kickoffs: 0, refused: 0, polls: 0, fileGets: 0, storageGets: 0, storageAuthorization: 0, unneededAuthorization: 0, deletes: 0, expired: 0 };
  let nextJob = 1;

  /**
   * Every matching Observation in one search pass (the export's `search` has no _count cap):
   * offset pages would run the whole search again for every 1,000 results, 37 times for a
   * 300-subject cohort, each run blocking the event loop (status polls then time out).
   */
  async function collect(params, base, headers) {
    const p = new URLSearchParams(params);
    p.set('_count', String(Number.MAX_SAFE_INTEGER));
    p.set('_sort', '_lastUpdated');
    const res = await search('Observation', p, base, headers);
    if (res.status !== 200) throw new Error('export search failed: ' + res.status);
    return (res.body.entry ?? []).map((e) => e.resource);
  }

  /** The search parameters of a kick-off: level, _typeFilter, _since, up to transactionTime. */
  async function exportParams(level, groupId, query, transactionTime) {
    const p = new URLSearchParams();
    if (!options.ignoreTypeFilter) {
      for (const filter of query.getAll('_typeFilter')) {
        const [type, q] = filter.split('?');
        if (type !== 'Observation' || !q) continue;
        for (const [k, v] of new URLSearchParams(q)) p.append(k, v);
      }
    }
    if (query.get('_since')) p.append('_lastUpdated', 'ge' + new Date(Date.parse(query.get('_since'))).toISOString());
    p.append('_lastUpdated', 'le' + transactionTime);
    if (level === 'group') {
      const group = await repo.readResource('Group', groupId);
      const members = (group.member ?? []).map((m) => m.entity?.reference).filter(Boolean);
      p.set('subject', members.join(',') || 'Patient/none');
    }
    return p;
  }

  function deletedSince(since) {
    if (!since) return [];
    const iso = new Date(Date.parse(since)).toISOString();
    const deleted = repo.typeHistory('Observation', iso).filter((e) => e.method === 'DELETE' && repo.byKey.get('Observation/' + e.id).at(-1).method === 'DELETE');
    const seen = new Set();
    return deleted.filter((e) => !seen.has(e.id) && seen.add(e.id)).map((e) => ({
      resourceType: 'Bundle', type: 'transaction',
      entry: [{ request: { method: 'DELETE', url: 'Observation/' + e.id }, response: { status: '204', lastModified: e.lastUpdated } }],
    }));
  }

  async function build(job, level, groupId, query, base, headers) {
    try {
      const params = await exportParams(level, groupId, query, job.transactionTime);
      const resources = await collect(params, base, headers);
      const ndjson = (list) => list.map((r) => JSON.stringify(r)).join('\n') + '\n';
      // One file at a time, yielding to the event loop between files, so that status polls
      // (and any other request) are answered while a large export is written.
      for (let i = 0; i < resources.length; i += options.fileSize) {
        await yieldToLoop();
        job.files.push({ type: 'Observation', kind: 'output', text: ndjson(resources.slice(i, i + options.fileSize)), count: Math.min(options.fileSize, resources.length - i) });
      }
      const deleted = deletedSince(query.get('_since'));
      if (deleted.length) job.files.push({ type: 'Bundle', kind: 'deleted', text: ndjson(deleted), count: deleted.length });
      if (options.errorFile) {
        const oo = { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'processing', diagnostics: 'Observation for Jane TESTPATIENT (born 1970-01-01, MRN 99-TEST) could not be exported' }] };
        job.files.push({ type: 'OperationOutcome', kind: 'error', text: ndjson([oo]), count: 1 });
      }
      job.ready = true;
    } catch (err) {
      job.failed = String(err?.message ?? err);
    }
  }

  function kickoff(level, groupId, query, headers, base) {
    if (!/respond-async/.test(headers.prefer ?? '')) return outcome(400, 'invalid', 'Prefer: respond-async is required');
    const types = (query.get('_type') ?? 'Observation').split(',');
    if (types.some((t) => t !== 'Observation')) return outcome(400, 'not-supported', 'only _type=Observation is exported');
    if (options.oneJob && [...jobs.values()].some((j) => !j.deleted)) {
      stats.refused++;
      return { ...outcome(429, 'throttled', 'another export job is running'), headers: { 'Retry-After': '1' } };
    }
    stats.kickoffs++;
    const id = String(nextJob++);
    const job = { id, polls: 0, files: [], ready: false, deleted: false, expired: false, transactionTime: new Date(repo.now()).toISOString(), base };
    jobs.set(id, job);
    // Started after this answer is sent: the search pass would otherwise hold the kick-off's 202.
    setImmediate(() => build(job, level, groupId, query, base, headers));
    return { status: 202, text: '', headers: { 'Content-Location': `${base}/$export-status/${id}` }, body: null };
  }

  function status(method, id) {
    const job = jobs.get(id);
    if (!job || job.deleted || job.expired) return outcome(404, 'not-found', 'no such export job');
    if (method === 'DELETE') {
      stats.deletes++;
      job.deleted = true;
      return { status: 202, text: '', body: null };
    }
    stats.polls++;
    if (job.failed) return outcome(500, 'exception', 'export failed');
    if (!job.ready || job.polls++ < options.polls) {
      return { status: 202, text: '', body: null, headers: { 'Retry-After': '1', 'X-Progress': job.ready ? 'writing files' : 'searching' } };
    }
    const entry = (f, n) => ({ type: f.type, url: `${job.base}/$export-file/${job.id}/${n}.ndjson`, count: f.count });
    const manifest = {
      transactionTime: job.transactionTime,
      request: `${job.base}/$export`,
      requiresAccessToken: options.requiresToken,
      output: job.files.map((f, n) => f.kind === 'output' && entry(f, n)).filter(Boolean),
      deleted: job.files.map((f, n) => f.kind === 'deleted' && entry(f, n)).filter(Boolean),
      error: job.files.map((f, n) => f.kind === 'error' && entry(f, n)).filter(Boolean),
    };
    return { status: 200, body: manifest };
  }

  async function file(id, name, headers, storage) {
    const job = jobs.get(id);
    const n = Number.parseInt(name, 10);
    if (!storage) {
      stats.fileGets++;
      if (options.expireAt && stats.fileGets === options.expireAt && job) {
        job.expired = true;
        stats.expired++;
      }
    } else {
      stats.storageGets++;
    }
    if (!job || job.deleted || job.expired || !job.files[n]) return outcome(410, 'deleted', 'export file expired');
    if (storage) {
      // A pre-signed storage URL: the signature is the credential, a bearer token is a leak.
      if (headers.authorization) {
        stats.storageAuthorization++;
        return outcome(403, 'security', 'Authorization header sent to storage');
      }
    } else {
      if (options.requiresToken && !/^Bearer \S+/.test(headers.authorization ?? '')) return outcome(401, 'login', 'token required');
      if (!options.requiresToken && headers.authorization) stats.unneededAuthorization++;
      if (options.redirect) {
        return { status: 307, text: '', body: null, headers: { Location: `${storageBase(job.base)}/$export-storage/${id}/${n}.ndjson?sig=sandbox-${id}-${n}` } };
      }
    }
    if (options.fileDelayMs) await sleep(options.fileDelayMs);
    return { status: 200, text: job.files[n].text, body: null, headers: { 'Content-Type': 'application/fhir+ndjson' } };
  }

  /** The export routes; null for any other request. `parts`: decoded path segments below /fhir. */
  async function handle(method, parts, query, headers, base) {
    const last = parts.at(-1);
    if (method === 'GET' && parts.length === 1 && last === '$export-stats') return { status: 200, body: { ...stats } };
    if (method === 'GET' && last === '$export') {
      if (parts.length === 1) return kickoff('system', null, query, headers, base);
      if (parts.length === 2 && parts[0] === 'Patient') return kickoff('patient', null, query, headers, base);
      if (parts.length === 3 && parts[0] === 'Group') {
        try {
          await repo.readResource('Group', parts[1]);
        } catch {
          return outcome(404, 'not-found', 'no such Group');
        }
        return kickoff('group', parts[1], query, headers, base);
      }
    }
    if ((method === 'GET' || method === 'DELETE') && parts.length === 2 && parts[0] === '$export-status') return status(method, parts[1]);
    if (method === 'GET' && parts.length === 3 && parts[0] === '$export-file') return await file(parts[1], parts[2], headers, false);
    if (method === 'GET' && parts.length === 3 && parts[0] === '$export-storage') return await file(parts[1], parts[2], headers, true);
    return null;
  }

  return { handle, stats };
}
