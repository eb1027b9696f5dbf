/**
 * Builds an ext4 partition image from a host directory with the ext4 driver, in a process
 * of its own (so that a test can run it as another user, in another time zone, umask and
 * cwd): node test/helpers/ext4-build.mjs lib SRC IMAGE TMPDIR EPOCH, with the compiled lib/
 * when it is up to date with src/ (helpers/cli-batch.ts compiledIsFresh: no TypeScript to
 * compile in each process), else node --import tsx test/helpers/ext4-build.mjs src ...
 * Prints {"size":..., "path":...} (path: which writer ran, from the phase-end event).
 */
import { promises as fsp } from 'node:fs';

const [root, src, image, tmpDir, epoch] = process.argv.slice(2);
const load = (m) => import(new URL(`../../${root}/${m}.${root === 'lib' ? 'js' : 'ts'}`, import.meta.url).href);
const [{ FileTree }, { ext4Driver }, { silentProgress }] = await Promise.all([load('content/tree'), load('fs/ext4'), load('progress')]);
const tree = new FileTree();
tree.add('/', { kind: 'dir', mode: 0o755 });
tree.addHostDir('/in', src, 0o755);
tree.add('/etc/generated', { kind: 'data', mode: 0o4750, data: Buffer.from('generated\n') });
let info;
const progress = { ...silentProgress, phase: (name) => ({ update() {}, end: (i) => void (name === 'ext4' && (info = i)) }) };
const ctx = { tmpDir, progress, epoch: Number(epoch) };
const spec = { type: 'ext4', label: 'ROOT', uuid: '12345678-1234-4234-8234-123456789abc' };
const size = await ext4Driver.minimumSize(spec, tree, ctx);
const fh = await fsp.open(image, 'w');
await fh.truncate(size);
await fh.close();
await ext4Driver.write(spec, tree, { imagePath: image, offset: 0, size }, ctx);
console.log(JSON.stringify({ size, path: info?.path }));
