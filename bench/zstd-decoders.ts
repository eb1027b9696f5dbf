/**
 * The zstd decoders imgsmith can read a .img.zst with, side by side in one run:
 *
 *   node --import tsx bench/zstd-decoders.ts FILE.zst [FILE2.zst ...]
 *
 * For each file: MB/s of decoded output of `zstd -dc FILE > /dev/null` (the CLI), of the
 * in-process decoders (src/inspect/zstd-engines.ts: libzstd through the native addon, Node's
 * zstd (Node >= 22.15), and zstd-codec, libzstd in WebAssembly) fed the way src/inspect/zstd.ts feeds them (bounded
 * slices), and the CPU time (user + sys) each took
 * (zstd-cli: of `zstd` and `wc` together, from /usr/bin/time). Not part of `npm run bench`.
 * The README's decoder figures (section "Inspecting images") come from this script.
 */
import { execa } from 'execa';
import fs from 'node:fs';
import { createEngine, type EngineName } from '../src/inspect/zstd-engines.ts';

const SLICE = 64 * 1024;

/** CPU seconds (user + sys) of the last CLI run, from /usr/bin/time. */
let cliCpu = '';

async function cli(file: string): Promise<number> {
  const r = await execa('/usr/bin/time', ['-f', '%U %S', 'sh', '-c', 'zstd -dc -q -- "$1" | wc -c', 'sh', file]);
  const [u, s] = r.stderr.trim().split('\n').pop()!.split(' ').map(Number);
  cliCpu = `${(u! + s!).toFixed(2)} s CPU`;
  return Number(r.stdout.trim());
}

async function inProcess(file: string, name: EngineName): Promise<number | undefined> {
  const eng = await createEngine(name);
  if (!eng) return undefined;
  const fh = await fs.promises.open(file, 'r');
  const buf = Buffer.allocUnsafe(1024 * 1024);
  let out = 0;
  try {
    eng.begin();
    for (let pos = 0; ; ) {
      const { bytesRead } = await fh.read(buf, 0, buf.length, pos);
      if (bytesRead === 0) break;
      for (let i = 0; i < bytesRead; i += SLICE) {
        await eng.push(buf.subarray(i, Math.min(bytesRead, i + SLICE)), (b) => {
          out += b.length;
        });
      }
      pos += bytesRead;
    }
  } finally {
    eng.free();
    await fh.close();
  }
  return out;
}

async function measure(label: string, fn: () => Promise<number | undefined>): Promise<void> {
  const t0 = process.hrtime.bigint();
  const c0 = process.cpuUsage();
  const bytes = await fn();
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  if (bytes === undefined) {
    console.log(`  ${label.padEnd(12)} unavailable`);
    return;
  }
  const c = process.cpuUsage(c0);
  const cpu = label === 'zstd-cli' ? cliCpu : `${((c.user + c.system) / 1e6).toFixed(2)} s CPU`;
  console.log(`  ${label.padEnd(12)} ${(bytes / 1e6 / secs).toFixed(0).padStart(6)} MB/s  ${secs.toFixed(2)} s  ${cpu}  (${bytes} bytes)`);
}

for (const file of process.argv.slice(2)) {
  console.log(`${file} (${fs.statSync(file).size} bytes compressed)`);
  await measure('zstd-cli', () => cli(file));
  await measure('libzstd', () => inProcess(file, 'libzstd'));
  await measure('node-zlib', () => inProcess(file, 'node-zlib'));
  await measure('zstd-codec', () => inProcess(file, 'zstd-codec'));
}
