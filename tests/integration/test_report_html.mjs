// The HTML report in a real headless Chromium (puppeteer-core, Debian's /usr/bin/chromium), with
// JavaScript off (the page must work without it) and every request intercepted: only the file
// itself may load. Reads the outcome table and the charts from the DOM against EXPECTED (worked
// out by test_report_html.py from the JSON report and the records), takes screenshots, and prints
// the page to an A4 PDF after checking, in print layout at the printable width, that no table is
// wider than it. Prints one JSON line with what it saw.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(path.join(process.env.FA_SOURCE_DIR, 'sandbox', 'package.json'));
const puppeteer = require('puppeteer-core');

const file = process.env.REPORT_HTML;
const url = 'file://' + file;
const expected = JSON.parse(fs.readFileSync(process.env.EXPECTED, 'utf8'));
const artifacts = process.env.ARTIFACTS;
fs.mkdirSync(artifacts, { recursive: true });
// A4 is 210 mm wide; the page's @page margin is 12 mm each side: 186 mm at 96 px per inch.
const printableWidthPx = Math.floor((186 / 25.4) * 96);

function check(condition, what) {
  if (!condition) throw new Error('check failed: ' + what);
}

const browser = await puppeteer.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--headless=new'] });
const seen = { requests: [] };
try {
  const page = await browser.newPage();
  await page.setJavaScriptEnabled(false);
  await page.setRequestInterception(true);
  page.on('request', (request) => {
    seen.requests.push(request.url());
    if (request.url() === url) request.continue();
    else request.abort();
  });
  await page.setViewport({ width: 1280, height: 900 });
  await page.goto(url, { waitUntil: 'load' });

  const outcomes = await page.$$eval('table[data-table="outcomes"] tbody tr', (rows) =>
    rows.map((r) => [...r.cells].slice(0, 5).map((c) => c.textContent)));
  seen.outcome_rows = outcomes.length;
  check(JSON.stringify(outcomes) === JSON.stringify(expected.outcomes),
    'outcome table: ' + JSON.stringify(outcomes.slice(0, 3)) + ' vs ' + JSON.stringify(expected.outcomes.slice(0, 3)));

  const charts = await page.$$eval('figure.chart', (figures) => figures.map((f) => ({
    analyte: f.dataset.analyte,
    series: f.querySelectorAll('svg g.series').length,
    subjects: new Set([...f.querySelectorAll('svg g.series')].map((g) => g.dataset.subject)).size,
    windows: f.querySelectorAll('svg rect.window').length,
  })));
  seen.charts = charts.length;
  for (const c of charts) {
    check(c.series === expected.series[c.analyte], `${c.analyte}: ${c.series} series, expected ${expected.series[c.analyte]}`);
    check(c.subjects === c.series, c.analyte + ': one series per subject');
    check(c.windows === 8, c.analyte + ': the 8 visit windows');
  }
  const hbv = charts.find((c) => c.analyte === 'HBVDNA');
  check(hbv, 'an HBV DNA chart');
  check(await page.$eval('figure.chart[data-analyte="HBVDNA"] svg', (s) => !!s.querySelector('line.lloq')), 'the LLOQ line');
  seen.subject_sections = await page.$$eval('section.subject', (s) => s.length);

  const albumin = await page.$$eval('table[data-table="albumin_infusion"] tbody tr', (rows) =>
    rows.map((r) => [...r.cells].map((c) => c.textContent)));
  check(albumin.some((cells) => cells[1] === expected.marked), 'the marked albumin result is listed');

  seen.screenshot = path.join(artifacts, 'report-html.png');
  await page.screenshot({ path: seen.screenshot, fullPage: false });
  seen.chart_screenshot = path.join(artifacts, 'report-html-chart.png');
  await (await page.$('figure.chart[data-analyte="HBVDNA"]')).screenshot({ path: seen.chart_screenshot });

  // Print layout at the printable width: nothing may stick out.
  await page.emulateMediaType('print');
  await page.setViewport({ width: printableWidthPx, height: 1000 });
  seen.too_wide = await page.$$eval('table, figure, svg', (items, limit) => items
    .filter((t) => t.getBoundingClientRect().right > limit + 0.5 || t.scrollWidth > Math.ceil(t.getBoundingClientRect().width) + 1)
    .map((t) => (t.dataset && t.dataset.table) || t.tagName), printableWidthPx);
  seen.body_width = await page.evaluate(() => document.documentElement.scrollWidth);
  check(seen.body_width <= printableWidthPx, 'page width in print layout: ' + seen.body_width);
  seen.pdf = path.join(artifacts, 'report-html.pdf');
  const pdf = await page.pdf({ path: seen.pdf, format: 'A4', printBackground: true, preferCSSPageSize: true });
  seen.pdf_pages = (Buffer.from(pdf).toString('latin1').match(/\/Type\s*\/Page[^s]/g) || []).length;
  seen.ok = true;
} finally {
  await browser.close();
}
console.log(JSON.stringify(seen));
