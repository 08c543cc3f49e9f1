#!/usr/bin/env node
// Fault-injecting HTTP proxy for the adapter's retry, backoff and data-safety tests.
//   node flaky-proxy.mjs --listen 18080 --target http://127.0.0.1:8080 --plan "429:2,429-retry-after:1,503:1,reset:1,ok"
//   node flaky-proxy.mjs --listen 0 --target http://127.0.0.1:8080 --rules faults.json --rewrite-links
//
// Two ways to say which request gets which fault:
// 1. The plan (--plan, PUT /__proxy/plan): a list of slots ("429:2" = two slots) applied one per
//    request, in rotation.
// 2. Rules (--rules FILE, PUT /__proxy/rules with the JSON as body, DELETE /__proxy/rules):
//    a JSON array (or {"rules": [...]}) of {match, method, request, skip, times, action}.
//    A request takes the action of the first rule that applies; only when none does, a plan slot.
//      match    regular expression tested against the request path and query (default: any)
//      method   HTTP method (default: any)
//      request  only this request number (1 = the first proxied request, control requests excluded)
//      skip     let this many matching requests through first (default 0)
//      times    apply to this many requests, then stop (default: unlimited)
//      text     for NNN actions: the OperationOutcome's details.text and diagnostics (default
//               "flaky proxy: injected NNN"), e.g. a server that quotes patient data in its errors
// Actions (plan slots and rules):
//   ok                forward verbatim
//   NNN               answer status NNN with an OperationOutcome (429, 503, 500, 404, ...)
//   NNN-retry-after   same, with "Retry-After: <--retry-after seconds>" (default 1)
//   NNN-retry-date    same, with Retry-After as an HTTP date (now + --retry-after seconds)
//   reset             destroy the connection without answering (client sees ECONNRESET)
//   delay-MS          forward after MS milliseconds (timeouts)
// Actions for rules only (they forward first, then spoil the answer):
//   reset-mid-body    headers with the full Content-Length, half the body, then a TCP reset
//   truncate-json     a complete HTTP answer whose body is the first half of the JSON
//   stall-body-MS     headers and half the body, the rest MS milliseconds later (read timeouts)
//   empty-searchset   a searchset Bundle with its entries, total and next link removed
//   repeat-previous   the body of the previous successful search answer, again
//   hold              no answer until POST /__proxy/release (or the client goes away): a
//                     request the test can see in flight (stats.held) and act on
// Requests are forwarded with Host set to the target, so the server's Bundle links name the
// target; --rewrite-links replaces the target base with the proxy base in response bodies so
// that following next links goes through the proxy too.
// Control (not forwarded, not counted): GET /__proxy/stats (counts, per-rule hits, held; with
// ?log=1 also the request log), PUT /__proxy/plan (body = plan text, restarts the rotation),
// PUT|DELETE /__proxy/rules, POST /__proxy/release (answers every held request, forwarded).
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';

const SIMPLE_ACTION = /^(ok|reset|delay-\d+|\d{3}(?:-retry-(?:after|date))?)$/;
const RULE_ACTION = /^(reset-mid-body|truncate-json|stall-body-\d+|empty-searchset|repeat-previous|hold)$/;
const LOG_LIMIT = 50_000;

export function parsePlan(text) {
  const slots = [];
  for (const raw of text.split(',').map((s) => s.trim()).filter(Boolean)) {
    const m = /^(ok|reset|delay-\d+|\d{3}(?:-retry-(?:after|date))?)(?::(\d+))?$/.exec(raw);
    if (!m) throw new Error(`bad plan item "${raw}"`);
    for (let i = 0; i < Number(m[2] ?? 1); i++) slots.push(m[1]);
  }
  if (!slots.length) throw new Error('empty plan');
  return slots;
}

/** Rules from their JSON text; throws on anything it would not know how to apply. */
export function parseRules(text) {
  const parsed = JSON.parse(text);
  const list = Array.isArray(parsed) ? parsed : parsed?.rules;
  if (!Array.isArray(list)) throw new Error('rules: expected an array or {"rules": [...]}');
  return list.map((r, i) => {
    if (typeof r?.action !== 'string' || !(SIMPLE_ACTION.test(r.action) || RULE_ACTION.test(r.action))) {
      throw new Error(`rule ${i}: bad action ${JSON.stringify(r?.action)}`);
    }
    if (r.text !== undefined && typeof r.text !== 'string') throw new Error(`rule ${i}: text must be a string`);
    for (const k of ['request', 'skip', 'times']) {
      if (r[k] !== undefined && !(Number.isInteger(r[k]) && r[k] >= 0)) throw new Error(`rule ${i}: ${k} must be a whole number`);
    }
    return { ...r, regex: r.match === undefined ? null : new RegExp(r.match), seen: 0, hits: 0 };
  });
}

const issueCode = (status) => (status === 429 ? 'throttled' : status === 404 ? 'not-found' : 'transient');
const outcome = (status, text) =>
  JSON.stringify({
    resourceType: 'OperationOutcome',
    issue: [{ severity: 'error', code: issueCode(status), details: { text }, diagnostics: text }],
  });

/** The first rule that applies to request number n (null when none), counting the rule's use. */
function pickRule(rules, req, n) {
  for (const r of rules) {
    if (r.method && r.method !== req.method) continue;
    if (r.request !== undefined && r.request !== n) continue;
    if (r.regex && !r.regex.test(req.url)) continue;
    if (r.times !== undefined && r.hits >= r.times) continue;
    r.seen++;
    if (r.seen <= (r.skip ?? 0)) continue;
    r.hits++;
    return r;
  }
  return null;
}

/** A searchset with nothing in it: what a server that lost (or hides) its data answers. */
function emptied(text) {
  try {
    const b = JSON.parse(text);
    if (b?.resourceType !== 'Bundle' || b.type !== 'searchset') return text;
    delete b.entry;
    b.total = 0;
    b.link = (b.link ?? []).filter((l) => l.relation !== 'next');
    return JSON.stringify(b);
  } catch {
    return text;
  }
}

export function createProxy({ target, plan = 'ok', rules = '[]', rewriteLinks = false, retryAfter = 1 }) {
  const targetUrl = new URL(target);
  const targetBase = `${targetUrl.protocol}//${targetUrl.host}`;
  const agent = new http.Agent({ keepAlive: true });
  let slots = parsePlan(plan);
  let ruleList = parseRules(rules);
  let next = 0;
  const stats = { requests: 0, actions: {}, log: [] };
  const held = new Set(); // functions that answer a held request
  let previousSearch = null; // {status, headers, text} of the last searchset answered

  // Fetches the whole upstream answer (links rewritten when asked), then hands it to `answer`.
  // The request as the target gets it (Host set to the target).
  const upstream = (req, onResponse) => {
    const headers = { ...req.headers, host: targetUrl.host };
    const { protocol, hostname, port } = targetUrl;
    return http.request({ protocol, hostname, port, method: req.method, path: req.url, headers, agent }, onResponse);
  };

  const fetchUpstream = (req, body, answer, fail) => {
    const up = upstream(req, (upRes) => {
      const chunks = [];
      upRes.on('data', (c) => chunks.push(c));
      upRes.on('end', () => {
        let text = Buffer.concat(chunks).toString('utf8');
        if (rewriteLinks) text = text.split(targetBase).join(`http://${req.headers.host}`);
        const h = { ...upRes.headers };
        delete h['content-length'];
        delete h['transfer-encoding'];
        delete h.connection;
        delete h['keep-alive'];
        if (upRes.statusCode === 200 && /"type"\s*:\s*"searchset"/.test(text)) previousSearch = { status: 200, headers: h, text };
        answer(upRes.statusCode, h, text);
      });
    });
    up.on('error', fail);
    up.end(body);
  };

  const forward = (req, res, body) => {
    if (!rewriteLinks) {
      const up = upstream(req, (upRes) => {
        res.writeHead(upRes.statusCode, upRes.rawHeaders);
        upRes.pipe(res);
      });
      up.on('error', (err) => unreachable(res, err));
      return up.end(body);
    }
    fetchUpstream(req, body, (status, h, text) => {
      res.writeHead(status, { ...h, 'content-length': Buffer.byteLength(text) });
      res.end(text);
    }, (err) => unreachable(res, err));
  };

  const unreachable = (res, err) => {
    if (res.headersSent) return res.destroy();
    res.writeHead(502, { 'content-type': 'application/fhir+json' });
    res.end(outcome(502, 'proxy: target unreachable: ' + err.message));
  };

  const reset = (socket) => (typeof socket.resetAndDestroy === 'function' ? socket.resetAndDestroy() : socket.destroy());

  // Rule-only actions: forward, then spoil the answer.
  const spoil = (action, req, res, body) => {
    if (action === 'hold') {
      const release = () => {
        held.delete(release);
        forward(req, res, body);
      };
      held.add(release);
      res.on('close', () => held.delete(release));
      return;
    }
    if (action === 'repeat-previous' && previousSearch) {
      const { status, headers, text } = previousSearch;
      res.writeHead(status, { ...headers, 'content-length': Buffer.byteLength(text) });
      return res.end(text);
    }
    fetchUpstream(req, body, (status, h, text) => {
      const buf = Buffer.from(action === 'empty-searchset' ? emptied(text) : text, 'utf8');
      const half = buf.subarray(0, Math.floor(buf.length / 2));
      if (action === 'truncate-json') {
        res.writeHead(status, { ...h, 'content-length': half.length });
        return res.end(half);
      }
      res.writeHead(status, { ...h, 'content-length': buf.length });
      if (action === 'reset-mid-body') {
        res.flushHeaders();
        return res.write(half, () => reset(req.socket));
      }
      if (action.startsWith('stall-body-')) {
        res.write(half);
        const timer = setTimeout(() => res.end(buf.subarray(half.length)), Number(action.slice(11)));
        res.on('close', () => clearTimeout(timer));
        return;
      }
      res.end(buf);
    }, (err) => unreachable(res, err));
  };

  const control = (req, res, body) => {
    const text = body.toString('utf8');
    const [where, query = ''] = req.url.split('?');
    try {
      if (where === '/__proxy/plan' && (req.method === 'PUT' || req.method === 'POST')) {
        slots = parsePlan(text);
        next = 0;
      } else if (where === '/__proxy/rules' && (req.method === 'PUT' || req.method === 'POST')) {
        ruleList = parseRules(text);
      } else if (where === '/__proxy/rules' && req.method === 'DELETE') {
        ruleList = [];
      } else if (where === '/__proxy/release' && req.method === 'POST') {
        for (const release of [...held]) release();
      }
    } catch (err) {
      res.writeHead(400, { 'content-type': 'text/plain' });
      return res.end(err.message);
    }
    const rules = ruleList.map(({ regex, seen, ...r }) => r);
    res.writeHead(200, { 'content-type': 'application/json' });
    const { log, ...counts } = stats;
    const withLog = new URLSearchParams(query).get('log') === '1' ? { log } : {};
    return res.end(JSON.stringify({ ...counts, ...withLog, plan: slots, next, rules, held: held.size }));
  };

  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      if (req.url.startsWith('/__proxy/')) return control(req, res, body);
      const n = ++stats.requests;
      const rule = pickRule(ruleList, req, n);
      let action = rule ? rule.action : null;
      if (action === null) {
        action = slots[next];
        next = (next + 1) % slots.length;
      }
      stats.actions[action] = (stats.actions[action] ?? 0) + 1;
      if (stats.log.length < LOG_LIMIT) stats.log.push({ n, method: req.method, url: req.url, action });
      if (action === 'ok') return forward(req, res, body);
      if (action === 'reset') return reset(req.socket);
      if (action.startsWith('delay-')) return setTimeout(() => forward(req, res, body), Number(action.slice(6)));
      if (RULE_ACTION.test(action)) return spoil(action, req, res, body);
      const status = Number(action.slice(0, 3));
      const headers = { 'content-type': 'application/fhir+json' };
      if (action.endsWith('-retry-after')) headers['retry-after'] = String(retryAfter);
      if (action.endsWith('-retry-date')) headers['retry-after'] = new Date(Date.now() + retryAfter * 1000).toUTCString();
      res.writeHead(status, headers);
      res.end(outcome(status, rule?.text ?? `flaky proxy: injected ${action}`));
    });
  });
  server.keepAliveTimeout = 65_000;
  return server;
}

function main() {
  const { values } = parseArgs({
    options: {
      listen: { type: 'string', default: '18080' },
      target: { type: 'string', default: 'http://127.0.0.1:8080' },
      plan: { type: 'string', default: 'ok' },
      rules: { type: 'string' },
      'rewrite-links': { type: 'boolean', default: false },
      'retry-after': { type: 'string', default: '1' },
    },
  });
  const [host, port] = values.listen.includes(':') ? [values.listen.slice(0, values.listen.lastIndexOf(':')), values.listen.slice(values.listen.lastIndexOf(':') + 1)] : ['127.0.0.1', values.listen];
  const rules = values.rules ? fs.readFileSync(values.rules, 'utf8') : '[]';
  const server = createProxy({ target: values.target, plan: values.plan, rules, rewriteLinks: values['rewrite-links'], retryAfter: Number(values['retry-after']) });
  server.listen(Number(port), host, () => {
    process.stdout.write(`flaky proxy listening on http://${host}:${server.address().port} -> ${values.target} plan=${values.plan}${values.rules ? ' rules=' + values.rules : ''}${values['rewrite-links'] ? ' rewrite-links' : ''}\n`);
  });
  const stop = () => {
    server.close(() => process.exit(0));
    server.closeIdleConnections();
    setTimeout(() => process.exit(0), 1000).unref();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
