#!/usr/bin/env node
// Fault-injecting HTTP proxy for the adapter's retry/backoff tests.
//   node flaky-proxy.mjs --listen 18080 --target http://127.0.0.1:8080 --plan "429:2,429-retry-after:1,503:1,reset:1,ok"
// The plan is expanded to a list of slots ("429:2" = two slots) applied one per request, in
// rotation. Actions:
//   ok                forward verbatim
//   NNN               answer status NNN with an OperationOutcome (429, 503, 500, 401, ...)
//   NNN-retry-after   same, with "Retry-After: <--retry-after seconds>" (default 1)
//   NNN-retry-date    same, with Retry-After as an HTTP date (now + --retry-after seconds)
//   reset             destroy the connection without answering (client sees ECONNRESET)
//   delay-MS          forward after MS milliseconds (timeouts)
// Requests are forwarded with Host set to the target, so the server's Bundle links name the
// target; --rewrite-links replaces the target base with the proxy base in response bodies so
// that following next links goes through the proxy too.
// Control (not forwarded, uses no slot): GET /__proxy/stats, PUT /__proxy/plan (body = plan text,
// restarts the rotation).
import http from 'node:http';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';

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

const outcome = (status, text) =>
  JSON.stringify({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: status === 429 ? 'throttled' : 'transient', details: { text } }] });

export function createProxy({ target, plan = 'ok', rewriteLinks = false, retryAfter = 1 }) {
  const targetUrl = new URL(target);
  const targetBase = `${targetUrl.protocol}//${targetUrl.host}`;
  const agent = new http.Agent({ keepAlive: true });
  let slots = parsePlan(plan);
  let next = 0;
  const stats = { requests: 0, actions: {} };

  const forward = (req, res, body) => {
    const headers = { ...req.headers, host: targetUrl.host };
    const up = http.request({ protocol: targetUrl.protocol, hostname: targetUrl.hostname, port: targetUrl.port, method: req.method, path: req.url, headers, agent }, (upRes) => {
      if (!rewriteLinks) {
        res.writeHead(upRes.statusCode, upRes.rawHeaders);
        upRes.pipe(res);
        return;
      }
      const chunks = [];
      upRes.on('data', (c) => chunks.push(c));
      upRes.on('end', () => {
        const proxyBase = `http://${req.headers.host}`;
        const text = Buffer.concat(chunks).toString('utf8').split(targetBase).join(proxyBase);
        const h = { ...upRes.headers, 'content-length': Buffer.byteLength(text) };
        delete h['transfer-encoding'];
        res.writeHead(upRes.statusCode, h);
        res.end(text);
      });
    });
    up.on('error', (err) => {
      if (res.headersSent) return res.destroy();
      res.writeHead(502, { 'content-type': 'application/fhir+json' });
      res.end(outcome(502, 'proxy: target unreachable: ' + err.message));
    });
    up.end(body);
  };

  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      if (req.url.startsWith('/__proxy/')) {
        if (req.url === '/__proxy/plan' && (req.method === 'PUT' || req.method === 'POST')) {
          try {
            slots = parsePlan(body.toString('utf8'));
            next = 0;
          } catch (err) {
            res.writeHead(400, { 'content-type': 'text/plain' });
            return res.end(err.message);
          }
        }
        res.writeHead(200, { 'content-type': 'application/json' });
        return res.end(JSON.stringify({ ...stats, plan: slots, next }));
      }
      const action = slots[next];
      next = (next + 1) % slots.length;
      stats.requests++;
      stats.actions[action] = (stats.actions[action] ?? 0) + 1;
      if (action === 'ok') return forward(req, res, body);
      if (action === 'reset') return typeof req.socket.resetAndDestroy === 'function' ? req.socket.resetAndDestroy() : req.socket.destroy();
      if (action.startsWith('delay-')) return setTimeout(() => forward(req, res, body), Number(action.slice(6)));
      const status = Number(action.slice(0, 3));
      const headers = { 'content-type': 'application/fhir+json' };
      if (action.endsWith('-retry-after')) headers['retry-after'] = String(retryAfter);
      if (action.endsWith('-retry-date')) headers['retry-after'] = new Date(Date.now() + retryAfter * 1000).toUTCString();
      res.writeHead(status, headers);
      res.end(outcome(status, `flaky proxy: injected ${action}`));
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
      'rewrite-links': { type: 'boolean', default: false },
      'retry-after': { type: 'string', default: '1' },
    },
  });
  const [host, port] = values.listen.includes(':') ? [values.listen.slice(0, values.listen.lastIndexOf(':')), values.listen.slice(values.listen.lastIndexOf(':') + 1)] : ['127.0.0.1', values.listen];
  const server = createProxy({ target: values.target, plan: values.plan, rewriteLinks: values['rewrite-links'], retryAfter: Number(values['retry-after']) });
  server.listen(Number(port), host, () => {
    process.stdout.write(`flaky proxy listening on http://${host}:${server.address().port} -> ${values.target} plan=${values.plan}${values['rewrite-links'] ? ' rewrite-links' : ''}\n`);
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
