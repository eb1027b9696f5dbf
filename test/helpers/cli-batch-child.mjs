// The child of ./cli-batch.ts: node cli-batch-child.mjs <lib/cli.js|src/cli.ts> <results file> <JSON runs>.
// Runs each argument list through the CLI's main(), stdout and stderr captured, and appends one
// JSON line { exitCode, stdout, stderr } (latin1) per finished run to the results file.
import { appendFileSync } from 'node:fs';

const [entry, resultsFile, runsJson] = process.argv.slice(2);
const { main } = await import(new URL(`../../${entry}`, import.meta.url).href);
let out = [];
let err = [];
const capture = (into) => (chunk, enc, cb) => {
  into().push(typeof chunk === 'string' ? Buffer.from(chunk, typeof enc === 'string' ? enc : 'utf8') : Buffer.from(chunk));
  (typeof enc === 'function' ? enc : cb)?.();
  return true;
};
process.stdout.write = capture(() => out);
process.stderr.write = capture(() => err);
for (const args of JSON.parse(runsJson)) {
  out = [];
  err = [];
  const exitCode = await main(args);
  const result = { exitCode, stdout: Buffer.concat(out).toString('latin1'), stderr: Buffer.concat(err).toString('latin1') };
  appendFileSync(resultsFile, JSON.stringify(result) + '\n');
}
process.exit(0);
