/**
 * Builds an ext4 partition image from a host directory with the ext4 driver, in a process
 * of its own (so that a test can run it as another user, in another time zone, umask and
 * cwd): node --import tsx test/helpers/ext4-build.ts SRC IMAGE TMPDIR EPOCH
 * Prints {"size":..., "path":...} (path: which writer ran, from the phase-end event).
 */
import { promises as fsp } from 'node:fs';
import { FileTree } from '../../src/content/tree.ts';
import { ext4Driver } from '../../src/fs/ext4.ts';
import { silentProgress, type Progress } from '../../src/progress.ts';

const [src, image, tmpDir, epoch] = process.argv.slice(2);
const tree = new FileTree();
tree.add('/', { kind: 'dir', mode: 0o755 });
tree.addHostDir('/in', src!, 0o755);
tree.add('/etc/generated', { kind: 'data', mode: 0o4750, data: Buffer.from('generated\n') });
let info: Record<string, unknown> | undefined;
const progress: Progress = { ...silentProgress, phase: (name) => ({ update() {}, end: (i) => void (name === 'ext4' && (info = i)) }) };
const ctx = { tmpDir: tmpDir!, progress, epoch: Number(epoch) };
const spec = { type: 'ext4' as const, label: 'ROOT', uuid: '12345678-1234-4234-8234-123456789abc' };
const size = await ext4Driver.minimumSize(spec, tree, ctx);
const fh = await fsp.open(image!, 'w');
await fh.truncate(size);
await fh.close();
await ext4Driver.write(spec, tree, { imagePath: image!, offset: 0, size }, ctx);
console.log(JSON.stringify({ size, path: info?.path }));
