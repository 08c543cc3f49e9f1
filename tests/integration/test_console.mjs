// The review console in a real headless Chromium (puppeteer-core, Debian's /usr/bin/chromium):
// sign in, open the queue, sign an override whose note holds a <script>, see it (inert) on the
// audit page, run `audit verify` from the page, then make a new source version in the FHIR
// server and see the signature voided and the record back in the queue. Screenshots go to
// ARTIFACTS. Driven by test_console.py (which starts the sandbox and the daemon); prints one
// JSON line with what it saw.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(path.join(process.env.FA_SOURCE_DIR, 'sandbox', 'package.json'));
const puppeteer = require('puppeteer-core');

const base = process.env.CONSOLE_URL.replace(/\/$/, '');
const fhir = process.env.FHIR_BASE;
const artifacts = process.env.ARTIFACTS;
const login = process.env.CONSOLE_LOGIN;
const password = process.env.CONSOLE_PASSWORD;
fs.mkdirSync(artifacts, { recursive: true });

function check(condition, what) {
  if (!condition) throw new Error('check failed: ' + what);
}

// Reloads until predicate(page text) holds: bounded, on a state, never a fixed sleep.
async function reloadUntil(page, url, predicate, what, timeoutMs = 90000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    await page.goto(url, { waitUntil: 'load' });
    const text = await page.evaluate(() => document.body.innerText);
    if (predicate(text)) return text;
    if (Date.now() > deadline) throw new Error('timed out waiting for ' + what);
    await new Promise((r) => setTimeout(r, 500));
  }
}

const browser = await puppeteer.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--no-sandbox', '--headless=new'],
  acceptInsecureCerts: true, // the development certificate of certs/make-dev-certs.sh
});
const seen = {};
try {
  const page = await browser.newPage();
  await page.setViewport({ width: 1280, height: 900 });
  const blockedScripts = [];
  page.on('console', (m) => blockedScripts.push(m.text()));

  await page.goto(base + '/', { waitUntil: 'load' });
  check(page.url().endsWith('/login'), 'no session: sent to the login page');
  await page.type('#login', login);
  await page.type('#password', password);
  await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
  check(page.url() === base + '/', 'signed in, on the queue');
  const queueRows = await page.$$eval('tbody tr', (rows) => rows.length);
  check(queueRows > 0, 'the queue has records');
  seen.queue_rows = queueRows;
  await page.screenshot({ path: path.join(artifacts, 'console-queue.png'), fullPage: false });

  // A subject page with its charts.
  const subjectHref = await page.$eval('tbody tr td a', (a) => a.getAttribute('href'));
  await page.goto(base + subjectHref, { waitUntil: 'load' });
  seen.charts = await page.$$eval('figure.chart svg', (s) => s.length);
  check(seen.charts > 0, 'the subject page has charts');
  await page.screenshot({ path: path.join(artifacts, 'console-subject.png'), fullPage: false });

  // The first record of the queue: override with a reason and a hostile note, then sign.
  await page.goto(base + '/', { waitUntil: 'load' });
  const recordHref = await page.$eval('tbody tr td:last-child a', (a) => a.getAttribute('href'));
  const id = new URL(base + recordHref).searchParams.get('id');
  await page.goto(base + recordHref, { waitUntil: 'load' });
  await page.click('#d-override');
  const flags = await page.$$eval('#override_flag option', (o) => o.map((x) => x.value));
  await page.select('#override_flag', flags.includes('normal') ? 'normal' : flags[0]);
  await page.select('#reason_code', 'haemolysed sample');
  await page.type('#note', '<script>window.__pwned=1</script> redrawn');
  await page.select('#meaning', 'reviewed');
  await page.type('#sign-password', password);
  await Promise.all([page.waitForNavigation(), page.click('form.card button[type=submit]')]);
  const signedText = await page.$eval('.signature', (p) => p.innerText);
  check(/^Signed by .+ \(.+\), \d{4}-\d\d-\d\d \d\d:\d\d [+-]\d\d:\d\d, meaning: reviewed$/.test(signedText), 'signature line: ' + signedText);
  seen.signature = signedText;
  check((await page.evaluate(() => window.__pwned)) === undefined, 'the note did not run');
  await page.screenshot({ path: path.join(artifacts, 'console-signed-record.png'), fullPage: false });

  // Out of the queue.
  await page.goto(base + '/', { waitUntil: 'load' });
  check(!(await page.content()).includes('record?id=' + encodeURIComponent(id) + '"'), 'signed record left the queue');

  // The audit page shows it, escaped; verify passes from the page.
  await page.goto(base + '/audit?action=review_overridden', { waitUntil: 'load' });
  const auditText = await page.evaluate(() => document.body.innerText);
  check(auditText.includes('<script>window.__pwned=1</script> redrawn'), 'the note shown as text');
  check((await page.evaluate(() => window.__pwned)) === undefined, 'the note did not run on the audit page');
  await Promise.all([page.waitForNavigation(), page.click('form.inline-form button')]);
  seen.verify = await page.$eval('.verified', (p) => p.innerText);
  check(seen.verify.startsWith('audit log intact'), 'verify from the page: ' + seen.verify);

  // A new source version at the FHIR server voids the signature.
  const current = await (await fetch(`${fhir}/Observation/${id}`)).json();
  current.note = [{ text: 'corrected report re-sent by the laboratory' }]; // any change makes a new version
  delete current.meta;
  const put = await fetch(`${fhir}/Observation/${id}`, {
    method: 'PUT', headers: { 'content-type': 'application/fhir+json' }, body: JSON.stringify(current),
  });
  check(put.ok, 'PUT a new version: ' + put.status);
  const voided = await reloadUntil(page, base + recordHref, (t) => t.includes('voided by a data change'), 'the void');
  check(!voided.includes('Signed by'), 'no signature shown once voided');
  await page.goto(base + '/', { waitUntil: 'load' });
  check((await page.content()).includes('record?id=' + encodeURIComponent(id)), 'the record is back in the queue');
  seen.voided = true;
  seen.record = id;

  // Sign out ends the session.
  await Promise.all([page.waitForNavigation(), page.click('form.logout button')]);
  await page.goto(base + '/', { waitUntil: 'load' });
  check(page.url().endsWith('/login'), 'signed out');
  seen.ok = true;
} finally {
  await browser.close();
}
console.log(JSON.stringify(seen));
