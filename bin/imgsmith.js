#!/usr/bin/env node
// Runs the TypeScript CLI through tsx's loader (no separate compile step).
//
// Memory: V8 grows its heap lazily up to a large default limit, so on a big closure
// (65k files) the process reached 566 MB RSS while its live heap stayed far below
// 128 MB. The CLI therefore runs with a bounded old space (IMGSMITH_MAX_HEAP_MB,
// default 128), which kept peak RSS at 215 MB on that closure whatever the image size.
import { spawn } from 'node:child_process';

const heapFlag = /--max-old-space-size/;
if (!process.execArgv.some((a) => heapFlag.test(a)) && !heapFlag.test(process.env.NODE_OPTIONS ?? '')) {
  const mb = Number(process.env.IMGSMITH_MAX_HEAP_MB ?? 128);
  const child = spawn(process.execPath, [`--max-old-space-size=${mb}`, ...process.execArgv, ...process.argv.slice(1)], {
    stdio: 'inherit',
  });
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, () => child.kill(sig));
  child.on('exit', (code, signal) => {
    if (signal) process.kill(process.pid, signal);
    else process.exit(code ?? 1);
  });
} else {
  const { register } = await import('tsx/esm/api');
  register();
  const { main } = await import('../src/cli.ts');
  process.exitCode = await main(process.argv.slice(2));
}
