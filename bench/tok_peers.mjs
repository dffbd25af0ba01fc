// tok_peers.mjs: the peers of bench-tok, measured the same way and printed
// in the same --tsv rows (see bench/bench_tok.c), for bench/bench_tok.sh.
//
//   node bench/tok_peers.mjs [--time S] [--data DIR] [--corpora A,B,...]
//                            [--modules DIR] SPEC...
//   node bench/tok_peers.mjs --load SPEC ...   (one "load" row; run in a
//                                               fresh process by the above)
//
// SPEC is a tiktoken encoding name (npm `tiktoken`, OpenAI's Rust compiled
// to WASM: get_encoding(name), encode(text, "all")) or NAME=PATH of a plain
// tokenizer.json (npm `tokenizers`, Hugging Face's Rust as a native addon:
// Tokenizer.fromFile(path), await encode(text, null,
// {addSpecialTokens: false})). The packages are loaded from --modules DIR
// (a node_modules folder; default bench/.cache/node_modules). Run with
// RAYON_NUM_THREADS=1 and UV_THREADPOOL_SIZE=1 for one thread of work.
//
// Time is process CPU time (process.cpuUsage: user + system, every thread
// of the process) and wall-clock time; each figure is the best of timed
// passes after one warm-up pass, repeated for at least --time seconds.
// The warm-up pass prints one "doc" row per document: token count and
// FNV-1a of the ids as 32-bit words, as bench-tok does.

import { createRequire } from 'node:module';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const opts = {
  time: 1, data: process.env.SLIM_SHARED_DATA || '../shared/data',
  corpora: 'en-bible,code-python,zh-debref',
  modules: path.join(here, '.cache', 'node_modules'), load: null,
};
const specs = [];
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  if (a === '--time') opts.time = Number(argv[++i]);
  else if (a === '--data') opts.data = argv[++i];
  else if (a === '--corpora') opts.corpora = argv[++i];
  else if (a === '--modules') opts.modules = argv[++i];
  else if (a === '--load') opts.load = argv[++i];
  else if (a.startsWith('-')) { console.error(`tok_peers: unknown option ${a}`); process.exit(2); }
  else specs.push(a);
}
// createRequire resolves from the folder of the file it is given.
const requireModule = createRequire(path.join(opts.modules, '..', 'index.js'));

const out = (...cols) => process.stdout.write(cols.join('\t') + '\n');
const cpuSeconds = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1e6; };
const wallSeconds = () => Number(process.hrtime.bigint()) / 1e9;

function parseSpec(spec) {
  const eq = spec.indexOf('=');
  return eq < 0 ? { name: spec, path: null } : { name: spec.slice(0, eq), path: spec.slice(eq + 1) };
}

// Returns an async function text -> ids (array-like of numbers).
function loadSpec(s) {
  if (!s.path) {
    const enc = requireModule('tiktoken').get_encoding(s.name);
    return async (text) => enc.encode(text, 'all');
  }
  const { Tokenizer } = requireModule('tokenizers');
  const tok = Tokenizer.fromFile(s.path);
  return async (text) => (await tok.encode(text, null, { addSpecialTokens: false })).getIds();
}

function vocabFileBytes(s) {
  const p = s.path || path.join(opts.data, 'vocab', 'tiktoken', `${s.name}.tiktoken`);
  try { return fs.statSync(p).size; } catch { return 0; }
}

// Child mode: what loading the package and then the tokenizer costs in a
// fresh process (module_ms: require of the package, WASM set-up included).
function loadRow(spec) {
  const s = parseSpec(spec);
  let w0 = wallSeconds();
  requireModule(s.path ? 'tokenizers' : 'tiktoken');
  const moduleMs = (wallSeconds() - w0) * 1e3;
  const r0 = process.memoryUsage.rss();
  w0 = wallSeconds();
  const c0 = cpuSeconds();
  const encode = loadSpec(s);
  const cpuMs = (cpuSeconds() - c0) * 1e3, wallMs = (wallSeconds() - w0) * 1e3;
  const rss = process.memoryUsage.rss() - r0;
  if (!encode) process.exit(1);
  out('load', s.name, wallMs.toFixed(2), cpuMs.toFixed(2), rss, vocabFileBytes(s), moduleMs.toFixed(2));
}

function readCorpus(name) {
  const file = path.join(opts.data, 'corpora', `${name}.jsonl`);
  const docs = [];
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    const v = JSON.parse(line);
    if (typeof v.text === 'string') docs.push(v.text);
  }
  return { name, docs, bytes: docs.reduce((n, d) => n + Buffer.byteLength(d, 'utf8'), 0) };
}

async function bench(spec, corpora) {
  const s = parseSpec(spec);
  const child = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--load', spec,
    '--data', opts.data, '--modules', opts.modules], { encoding: 'utf8' });
  if (child.status === 0) process.stdout.write(child.stdout);
  else console.error(`tok_peers: load of ${spec} failed: ${child.stderr.trim().split('\n').pop()}`);
  const encode = loadSpec(s);
  for (const c of corpora) {
    console.error(`tok_peers: ${s.name} ${c.name}`);
    let tokens = 0;
    for (let d = 0; d < c.docs.length; d++) {
      const ids = await encode(c.docs[d]);
      let h = 2166136261;
      for (let i = 0; i < ids.length; i++) h = Math.imul(h ^ ids[i], 16777619) >>> 0;
      out('doc', s.name, c.name, d, ids.length, h);
      tokens += ids.length;
    }
    let wall = Infinity, cpu = Infinity, passes = 0;
    const start = wallSeconds();
    do {
      const w0 = wallSeconds(), c0 = cpuSeconds();
      for (const doc of c.docs) await encode(doc);
      cpu = Math.min(cpu, cpuSeconds() - c0);
      wall = Math.min(wall, wallSeconds() - w0);
      passes++;
    } while (wallSeconds() - start < opts.time);
    out('encode', s.name, c.name, c.bytes, c.docs.length, tokens, wall.toFixed(6), cpu.toFixed(6), passes);
  }
}

if (opts.load) {
  loadRow(opts.load);
} else {
  const corpora = opts.corpora.split(',').map(readCorpus);
  for (const spec of specs.length ? specs : ['o200k_base', 'cl100k_base']) await bench(spec, corpora);
}
