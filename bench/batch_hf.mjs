// batch_hf.mjs: Hugging Face tokenizers' encodeBatch (npm `tokenizers`, the
// Rust library as a native addon, parallel over all cores with rayon) on a
// jsonl corpus, the peer of `slim-tok batch` in bench/bench_batch.sh.
//
//   node bench/batch_hf.mjs CACHE_DIR TOKENIZER_JSON CORPUS.jsonl [BATCH_DOCS]
//
// The package is loaded from CACHE_DIR/node_modules. Documents (the "text"
// field of each line) are read first, then encoded in batches of
// BATCH_DOCS (default 1000) with addSpecialTokens false; only the encoding
// is timed. Prints one line: documents, text bytes, tokens, wall seconds,
// process CPU seconds.
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';

const [cache, tokPath, corpus, batchArg] = process.argv.slice(2);
const require = createRequire(path.join(path.resolve(cache), 'package.json'));
const { Tokenizer } = require('tokenizers');
const tok = Tokenizer.fromFile(tokPath);
const batchDocs = Number(batchArg || 1000);

const texts = [];
let bytes = 0;
for (const line of fs.readFileSync(corpus, 'utf8').split('\n')) {
  if (!line.trim()) continue;
  const t = JSON.parse(line).text;
  texts.push(t);
  bytes += Buffer.byteLength(t, 'utf8');
}

const cpu0 = process.cpuUsage();
const t0 = process.hrtime.bigint();
let tokens = 0;
for (let i = 0; i < texts.length; i += batchDocs) {
  const encs = await tok.encodeBatch(texts.slice(i, i + batchDocs), { addSpecialTokens: false });
  for (const e of encs) tokens += e.getIds().length;
}
const wall = Number(process.hrtime.bigint() - t0) / 1e9;
const cpu = process.cpuUsage(cpu0);
console.log(`${texts.length} ${bytes} ${tokens} ${wall} ${(cpu.user + cpu.system) / 1e6}`);
