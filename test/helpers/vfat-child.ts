/**
 * Builds one FAT filesystem in a child process (so the determinism test can vary TZ and
 * cwd). Usage: node --import tsx test/helpers/vfat-child.ts JOB.json
 * JOB: { spec, entries: [path, TreeEntry-as-JSON][] (data entries as { kind: 'data', mode,
 * text }), image, offset, size, epoch }. Prints the FsReport as JSON.
 */
import { readFileSync } from 'node:fs';
import { FileTree, type TreeEntry } from '../../src/content/tree.ts';
import { vfatDriver } from '../../src/fs/vfat.ts';
import { silentProgress } from '../../src/progress.ts';
import type { VfatSpec } from '../../src/spec-types.ts';

type JsonEntry = Exclude<TreeEntry, { kind: 'data' }> | { kind: 'data'; mode: number; text: string };

interface Job {
  spec: VfatSpec;
  entries: [string, JsonEntry][];
  image: string;
  offset: number;
  size: number;
  epoch: number;
}

const job = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as Job;
const tree = new FileTree();
for (const [p, e] of job.entries) {
  tree.add(p, e.kind === 'data' ? { kind: 'data', mode: e.mode, data: Buffer.from(e.text) } : e);
}
vfatDriver.validate(job.spec, tree, 'child');
const report = await vfatDriver.write(job.spec, tree, { imagePath: job.image, offset: job.offset, size: job.size }, {
  tmpDir: process.cwd(),
  progress: silentProgress,
  epoch: job.epoch,
});
process.stdout.write(JSON.stringify(report));
