// Timed run: node peer.mjs --mappings DIR --subjects S.csv [--output FILE] IN.ndjson
// One NDJSON line per matched Observation; counts as JSON on stderr.
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { run } from './peer_lib.mjs';

const { values: o, positionals: [input] } = parseArgs({
  options: { mappings: { type: 'string' }, subjects: { type: 'string' }, output: { type: 'string', default: '/dev/null' } },
  allowPositionals: true,
});
if (!input || !o.mappings || !o.subjects) {
  console.error('usage: node peer.mjs --mappings DIR --subjects S.csv [--output FILE] IN.ndjson');
  process.exit(2);
}
// Written in ~1 MB blocks with writeSync, like map's appendNdjson: no per-line syscalls and no
// unbounded stream queue.
const fd = fs.openSync(o.output, 'w');
let buf = [], size = 0;
const flush = () => { fs.writeSync(fd, buf.join('')); buf = []; size = 0; };
const counts = await run(input, o.mappings, o.subjects, (r) => {
  const s = JSON.stringify({ id: r.id, version: r.version, subject_id: r.subject_id, analyte: r.analyte, value: r.value, flag: r.flag }) + '\n';
  buf.push(s); size += s.length;
  if (size >= 1 << 20) flush();
});
flush();
fs.closeSync(fd);
console.error(JSON.stringify(counts));
