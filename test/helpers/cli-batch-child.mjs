// The child of ./cli-batch.ts: node cli-batch-child.mjs <lib/cli.js|src/cli.ts> <results file> <JSON runs>.
// Runs each argument list through the CLI's main(), stdout and stderr captured, and appends one
// JSON line { exitCode, stdout, stderr } (latin1) per finished run to the results file.
//
// Served (node cli-batch-child.mjs <entry> --serve): reads one JSON argument list per line from
// fd 3 (a socket pair with the parent), runs them one after another and answers each with one
// JSON line { exitCode, stdout, stderr, maxRssKb } on fd 3 (maxRssKb: this process's peak RSS
// so far); it exits when fd 3 is closed. A line may also be { args, env }: env (more environment
// variables) is set for that run only, as a real CLI run's environment, and restored after it.
import { appendFileSync } from 'node:fs';
import net from 'node:net';
import readline from 'node:readline';

const [entry, resultsFile, runsJson] = process.argv.slice(2);
const { main } = await import(new URL(`../../${entry}`, import.meta.url).href);
// Commands add listeners for one command per process (cat pipes into process.stdout on each call):
// over hundreds of runs in this one they pile up, and Node's MaxListenersExceededWarning would land
// in a run's captured stderr.
for (const emitter of [process, process.stdout, process.stderr]) emitter.setMaxListeners(0);
let out = [];
let err = [];
const capture = (into) => (chunk, enc, cb) => {
  into().push(typeof chunk === 'string' ? Buffer.from(chunk, typeof enc === 'string' ? enc : 'utf8') : Buffer.from(chunk));
  (typeof enc === 'function' ? enc : cb)?.();
  return true;
};
process.stdout.write = capture(() => out);
process.stderr.write = capture(() => err);

/** Sets `env` in process.env; returns a function restoring what was there. */
function setEnv(env = {}) {
  const saved = Object.keys(env).map((k) => [k, process.env[k]]);
  Object.assign(process.env, env);
  return () => {
    for (const [k, v] of saved) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  };
}

async function runOne(args, env) {
  out = [];
  err = [];
  const restore = setEnv(env);
  const exitCode = await main(args).finally(restore);
  return { exitCode, stdout: Buffer.concat(out).toString('latin1'), stderr: Buffer.concat(err).toString('latin1') };
}

if (resultsFile === '--serve') {
  const sock = new net.Socket({ fd: 3, readable: true, writable: true });
  for await (const line of readline.createInterface({ input: sock })) {
    const req = JSON.parse(line);
    const result = Array.isArray(req) ? await runOne(req) : await runOne(req.args, req.env);
    sock.write(JSON.stringify({ ...result, maxRssKb: process.resourceUsage().maxRSS }) + '\n');
  }
} else {
  for (const args of JSON.parse(runsJson)) appendFileSync(resultsFile, JSON.stringify(await runOne(args)) + '\n');
}
process.exit(0);
