/**
 * images/rpi-direct-aarch64.json and the rpi-direct generator (src/content/rpi-direct.ts),
 * built from the small generated closure and placeholder firmware, checked with independent
 * tools (sfdisk, partx, fsck.fat, mtools, e2fsck, blkid, mkswap); the QEMU boot of the
 * recipe is in test/boot.test.ts.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { makeClosure, type ClosureFixture } from './helpers/closure-fixture.ts';
import { makeFirmware } from './helpers/firmware-fixture.ts';
import { listFiles, REPO, runCli } from './helpers/cli.ts';
import { cliRuns } from './helpers/cli-runs.ts';
import { extractPartition } from './helpers/sparse-bytes.ts';
import { buildImage } from '../src/build.ts';
import { ImgsmithError } from '../src/errors.ts';
import { validateSpec } from '../src/spec.ts';
import { PI_BOARDS, PI_FIRMWARE, rpiDirectOptions, type PiBoard } from '../src/content/rpi-direct.ts';
import { isLinuxArm64Kernel, piBootPlan, resolvePiBoot } from '../src/boot/direct-pi.ts';
import type { Progress } from '../src/progress.ts';
import { sha256Tool } from './helpers/hash-tool.ts';

const RECIPE = path.join(REPO, 'images', 'rpi-direct-aarch64.json');
const MiB = 1024 * 1024;
let tmp: string;
let fx: ClosureFixture; // dtbs for the Pi 3 and Pi 4 only (like Debian bookworm's kernel)
let fx5: ClosureFixture; // + bcm2712-rpi-5-b.dtb
let firmware: string;

before(async () => {
  tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'imgsmith-rpidirect-'));
  fx = await makeClosure(path.join(tmp, 'fx'), { paths: 1 });
  fx5 = await makeClosure(path.join(tmp, 'fx5'), { paths: 1, extraDtbs: ['bcm2712-rpi-5-b.dtb', 'bcm2712-rpi-cm5-cm5io.dtb'] });
  firmware = await makeFirmware(path.join(tmp, 'firmware'));
  await fsp.mkdir(path.join(firmware, 'overlays'));
  await fsp.writeFile(path.join(firmware, 'overlays', 'vc4-kms-v3d.dtbo'), 'not a real overlay\n');
});
after(async () => {
  await fsp.rm(tmp, { recursive: true, force: true });
});

function recorder(): { progress: Progress; warnings: string[] } {
  const warnings: string[] = [];
  return {
    warnings,
    progress: {
      phase: () => ({ update() {}, end() {} }),
      event: (type, data) => {
        if (type === 'warning') warnings.push(String(data.message));
      },
    },
  };
}

let n = 0;
async function build(f: ClosureFixture, extra: { specPath?: string; strict?: boolean; firmware?: string } = {}) {
  const rec = recorder();
  const r = await buildImage({
    specPath: extra.specPath ?? RECIPE,
    closure: f.closureInfoDir,
    storeRoot: f.storeRoot,
    toplevel: f.toplevel,
    firmware: extra.firmware ?? firmware,
    outDir: path.join(tmp, `out-${n++}`),
    compress: false,
    ...(extra.strict ? { strict: true } : {}),
    progress: rec.progress,
  });
  return { img: r.imagePath!, manifest: r.manifest, warnings: rec.warnings };
}

interface Part {
  node: string;
  start: number;
  size: number;
  type: string;
}
async function table(img: string): Promise<{ id: string; label: string; partitions: Part[] }> {
  return JSON.parse((await execa('sfdisk', ['-J', img])).stdout).partitiontable;
}

/** The FAT partition's files (recursive, without leading "/"), read with mtools. */
async function fatFiles(img: string, p: Part): Promise<string[]> {
  const out = (await execa('mdir', ['-/', '-b', '-i', `${img}@@${p.start * 512}`, '::'], { env: { MTOOLS_SKIP_CHECK: '1' } })).stdout;
  return out.split('\n').map((l) => l.trim().replace(/^::\//, '').replace(/\/$/, '')).filter(Boolean);
}
async function fatCat(img: string, p: Part, file: string): Promise<Buffer> {
  return Buffer.from((await execa('mtype', ['-i', `${img}@@${p.start * 512}`, `::${file}`], { encoding: 'buffer', stripFinalNewline: false, env: { MTOOLS_SKIP_CHECK: '1' } })).stdout);
}

let built5: Promise<Awaited<ReturnType<typeof build>>> | undefined;
const recipeImage = () => (built5 ??= build(fx5));

test('rpi-direct-aarch64: MBR, FAT32 FIRMWARE (fsck.fat clean), ext4 root (e2fsck clean); root=PARTUUID= is the PARTUUID partx reports', async () => {
  const { img, warnings } = await recipeImage();
  assert.deepEqual(warnings, [], 'all three boards have their device tree: no warning');
  const t = await table(img);
  assert.equal(t.label, 'dos');
  assert.equal(t.id, '0x5049444e');
  assert.equal(t.partitions[0]!.start * 512, 8 * MiB);
  assert.equal(t.partitions[0]!.size * 512, 256 * MiB);
  assert.equal(t.partitions[0]!.type, 'c');
  assert.equal(t.partitions[1]!.type, '83');
  const fat = path.join(tmp, 'fat.img');
  await extractPartition(img, t.partitions[0]!.start * 512, t.partitions[0]!.size * 512, fat);
  await execa('fsck.fat', ['-n', fat]);
  const id = (await execa('blkid', ['-p', '-o', 'export', fat])).stdout;
  assert.match(id, /^LABEL=FIRMWARE$/m);
  assert.match(id, /^VERSION=FAT32$/m);
  const root = path.join(tmp, 'root.img');
  await extractPartition(img, t.partitions[1]!.start * 512, t.partitions[1]!.size * 512, root);
  await execa('e2fsck', ['-fn', root]);

  const partuuid = (await execa('partx', ['-g', '-o', 'UUID', '-n', '2', img])).stdout.trim();
  assert.equal(partuuid, '5049444e-02');
  const cmdline = (await fatCat(img, t.partitions[0]!, 'cmdline.txt')).toString();
  assert.ok(cmdline.endsWith('\n') && cmdline.trim().split('\n').length === 1, `cmdline.txt is one line: ${JSON.stringify(cmdline)}`);
  const top = path.basename(fx5.toplevel);
  assert.equal(
    cmdline,
    `init=/nix/store/${top}/init root=PARTUUID=${partuuid} rootfstype=ext4 rootwait console=ttyS0,115200n8 console=ttyAMA0,115200n8 console=tty0 loglevel=4\n`,
  );
  // init= exists in the root filesystem.
  const ls = (await execa('debugfs', ['-R', `ls -l /nix/store/${top}`, root])).stdout;
  assert.match(ls, / init\n/);
});

test('rpi-direct-aarch64: the FAT root holds kernel, initramfs, flattened dtbs, overlays and the Pi 3/4 firmware (byte-identical)', async () => {
  const { img } = await recipeImage();
  const t = await table(img);
  const p = t.partitions[0]!;
  const files = await fatFiles(img, p);
  for (const f of ['kernel8.img', 'initramfs8', 'config.txt', 'cmdline.txt', 'bcm2837-rpi-3-b.dtb', 'bcm2711-rpi-4-b.dtb', 'bcm2712-rpi-5-b.dtb', 'bcm2712-rpi-cm5-cm5io.dtb', 'overlays', 'overlays/README']) {
    assert.ok(files.includes(f), `${f} on the FAT partition: ${files.join(' ')}`);
  }
  assert.ok(!files.some((f) => f.startsWith('broadcom')), 'dtbs flattened');
  for (const f of [...PI_FIRMWARE.pi3.required, ...PI_FIRMWARE.pi4.required, 'start_cd.elf', 'fixup_cd.dat']) assert.ok(files.includes(f), f);
  assert.ok(!files.includes('u-boot-rpi3.bin') && !files.includes('armstub8-gic.bin'), 'no U-Boot');
  const linux = path.join(fx5.storeDir, (await fsp.readdir(fx5.storeDir)).find((d) => d.endsWith('-linux-6.1.21'))!);
  assert.ok((await fatCat(img, p, 'kernel8.img')).equals(await fsp.readFile(path.join(linux, 'Image'))));
  assert.ok((await fatCat(img, p, 'bcm2712-rpi-5-b.dtb')).equals(await fsp.readFile(path.join(linux, 'dtbs/broadcom/bcm2712-rpi-5-b.dtb'))));
  assert.ok((await fatCat(img, p, 'start4.elf')).equals(await fsp.readFile(path.join(firmware, 'start4.elf'))));
});

test('rpi-direct-aarch64: for the Pi 3, 4 and 5, config.txt resolves to files on the card (kernel, initramfs, device tree, cmdline.txt, firmware)', async () => {
  const { img } = await recipeImage();
  const p = (await table(img)).partitions[0]!;
  const files = await fatFiles(img, p);
  const have = new Set(files.map((f) => f.toLowerCase()));
  const exists = (f: string) => have.has(f.toLowerCase());
  const config = (await fatCat(img, p, 'config.txt')).toString();
  assert.match(config, /^\[pi3\]\nkernel=kernel8\.img\ninitramfs initramfs8 followkernel$/m);
  assert.match(config, /^\[pi5\]\nkernel=kernel8\.img\ninitramfs initramfs8 followkernel$/m);
  assert.match(config, /^\[all\]\narm_64bit=1$/m);
  assert.match(config, /^upstream_kernel=1$/m, 'mainline dtb names (bcm2837-rpi-3-b.dtb): the firmware must prefer them');
  for (const board of PI_BOARDS) {
    const plan = piBootPlan(config, board, exists);
    const r = resolvePiBoot(plan, exists);
    assert.deepEqual(r.missing, [], `${board}: ${r.missing.join(', ')}`);
    assert.equal(r.files!.kernel, 'kernel8.img', board);
    assert.equal(r.files!.initramfs, 'initramfs8', board);
    assert.equal(r.files!.dtb, { pi3: 'bcm2837-rpi-3-b.dtb', pi4: 'bcm2711-rpi-4-b.dtb', pi5: 'bcm2712-rpi-5-b.dtb' }[board], board);
    for (const f of PI_FIRMWARE[board].required) assert.ok(exists(f), `${board} firmware ${f}`);
    assert.ok(plan.arm64, board);
  }
  // The check can fail: a config whose [pi4] kernel is not on the card.
  const bad = resolvePiBoot(piBootPlan(config.replace('[pi4]\nkernel=kernel8.img', '[pi4]\nkernel=kernel_nope.img'), 'pi4', exists), exists);
  assert.deepEqual(bad.missing, ['kernel_nope.img (kernel)']);
});

test('rpi-direct: a 16K-page Pi 5 kernel goes to kernel_2712.img, boardConfig and extraConfig land in their sections, a GPT root gets its partition GUID', async () => {
  const linux = (await fsp.readdir(fx5.storeDir)).find((d) => d.endsWith('-linux-6.1.21'))!;
  const spec = {
    name: 'direct-gpt',
    table: { type: 'gpt', seed: 'direct-gpt' },
    partitions: [
      {
        name: 'boot',
        type: 'esp',
        size: '40MiB',
        filesystem: { type: 'vfat', label: 'BOOT', fatType: 32 },
        contents: [
          {
            generate: 'rpi-direct',
            options: {
              boards: ['pi4', 'pi5'],
              kernel2712: `/nix/store/${linux}/System.map`,
              boardConfig: { pi5: 'dtoverlay=vc4-kms-v3d-pi5' },
              extraConfig: 'dtparam=audio=on\n',
              extraKernelParams: ['quiet'],
            },
          },
        ],
      },
      { name: 'swap', type: 'swap', size: '8MiB', filesystem: { type: 'swap', pageSize: 16384 } },
      { name: 'root', type: 'linux', size: 'auto', filesystem: { type: 'btrfs', label: 'root' }, contents: [{ generate: 'closure' }] },
    ],
    output: { compress: 'none', bmap: false },
  };
  const specPath = path.join(tmp, 'direct-gpt.json');
  await fsp.writeFile(specPath, JSON.stringify(spec));
  const { img, warnings } = await build(fx5, { specPath });
  assert.deepEqual(warnings, []);
  const t = await table(img);
  const p = t.partitions[0]!;
  const files = await fatFiles(img, p);
  assert.ok(files.includes('kernel_2712.img') && files.includes('kernel8.img'));
  assert.ok(!files.includes('bootcode.bin') && !files.includes('start.elf'), 'no Pi 3 firmware when the Pi 3 is not targeted');
  assert.ok(files.includes('start4.elf'));
  const config = (await fatCat(img, p, 'config.txt')).toString();
  assert.doesNotMatch(config, /\[pi3\]/);
  assert.match(config, /^\[pi5\]\nkernel=kernel_2712\.img\ninitramfs initramfs8 followkernel\ndtoverlay=vc4-kms-v3d-pi5$/m);
  assert.match(config, /\n\[all\]\n[^[]*\ndtparam=audio=on\n$/);
  assert.equal(piBootPlan(config, 'pi5').kernel, 'kernel_2712.img');
  assert.equal(piBootPlan(config, 'pi4').kernel, 'kernel8.img');
  const guid = (await execa('sfdisk', ['--part-uuid', img, '3'])).stdout.trim().toLowerCase();
  const cmdline = (await fatCat(img, p, 'cmdline.txt')).toString();
  assert.match(cmdline, new RegExp(`root=PARTUUID=${guid} rootfstype=btrfs rootwait .* quiet\\n$`));
  // Swap for a 16K-page kernel: the same first page as mkswap -p 16384.
  const sw = t.partitions[1]!;
  const swap = path.join(tmp, 'swap16k.img');
  await extractPartition(img, sw.start * 512, sw.size * 512, swap);
  assert.match((await execa('blkid', ['-p', '-o', 'export', swap])).stdout, /^TYPE=swap$/m);
  const uuid = /^UUID=(\S+)$/m.exec((await execa('blkid', ['-p', '-o', 'export', swap])).stdout)![1]!;
  const ref = path.join(tmp, 'mkswap16k.img');
  await fsp.writeFile(ref, '');
  await fsp.truncate(ref, sw.size * 512);
  await execa('mkswap', ['-p', '16384', '-U', uuid, ref]);
  const a = Buffer.alloc(16384);
  const b = Buffer.alloc(16384);
  const fa = await fsp.open(swap);
  await fa.read(a, 0, a.length, 0);
  await fa.close();
  const fb = await fsp.open(ref);
  await fb.read(b, 0, b.length, 0);
  await fb.close();
  assert.ok(a.equals(b), 'swap header = mkswap -p 16384');
  assert.equal(a.toString('latin1', 16384 - 10), 'SWAPSPACE2');
});

test('rpi-direct-aarch64: reproducible (same bytes from firmware files created in the opposite order)', async () => {
  const { img } = await recipeImage();
  const fw2 = await makeFirmware(path.join(tmp, 'firmware-reverse'), { reverse: true });
  await fsp.mkdir(path.join(fw2, 'overlays'));
  await fsp.writeFile(path.join(fw2, 'overlays', 'vc4-kms-v3d.dtbo'), 'not a real overlay\n');
  const again = await build(fx5, { firmware: fw2 });
  assert.equal(await sha256Tool(again.img), await sha256Tool(img));
});

test('rpi-direct: a targeted board whose dtb the toplevel lacks is a warning naming board and file; --strict makes it an error (CLI, nothing published)', async () => {
  const { img, warnings } = await build(fx);
  assert.ok(img);
  assert.equal(warnings.length, 1, warnings.join('\n'));
  assert.match(warnings[0]!, /no bcm2712-rpi-5-b\.dtb, which the Raspberry Pi 5 firmware loads: this card will not boot a Raspberry Pi 5 .*the other boards are not affected/);

  const args = ['build', RECIPE, '--closure', fx.closureInfoDir, '--store-root', fx.storeRoot, '--toplevel', fx.toplevel, '--firmware', firmware, '--no-compress'];
  const ok = await runCli([...args, '-o', path.join(tmp, 'cli-warn')]);
  assert.equal(ok.exitCode, 0, ok.stderr);
  assert.match(ok.stderr, /^imgsmith: warning: .*bcm2712-rpi-5-b\.dtb.*Raspberry Pi 5/m);
  const out = path.join(tmp, 'cli-strict');
  const strict = await runCli([...args, '--strict', '-o', out]);
  assert.equal(strict.exitCode, 1, strict.stderr);
  assert.equal(strict.stderr.trim().split('\n').length, 1, strict.stderr);
  assert.match(strict.stderr, /^imgsmith: error: .*no bcm2712-rpi-5-b\.dtb.*Raspberry Pi 5.*--strict makes this an error$/);
  assert.deepEqual(await listFiles(out), []);
});

// ---------------------------------------------------------------------------------------
// Bad input: one clear error each, nothing published.

/** A spec with the FAT partition and an ext4 root without a closure (so any --toplevel works). */
function smallSpec(fat: Record<string, unknown> = {}, options: Record<string, unknown> = {}, table: Record<string, unknown> = { type: 'dos', labelId: '0x12345678' }) {
  return {
    name: 'direct-small',
    table,
    partitions: [
      { name: 'fw', type: '0x0c', size: '40MiB', filesystem: { type: 'vfat', label: 'FW', fatType: 32 }, contents: [{ generate: 'rpi-direct', options: { boards: ['pi3', 'pi4'], rootPartition: 'root', ...options } }], ...fat },
      { name: 'root', type: '83', size: '8MiB', filesystem: { type: 'ext4' }, contents: [{ text: 'x\n', target: '/x' }] },
    ],
    output: { compress: 'none', bmap: false },
  };
}

async function toplevel(name: string, files: Record<string, number | string>): Promise<string> {
  const d = path.join(tmp, 'tops', name);
  await fsp.mkdir(d, { recursive: true });
  for (const [f, v] of Object.entries(files)) {
    const p = path.join(d, f);
    await fsp.mkdir(path.dirname(p), { recursive: true });
    if (typeof v === 'number') {
      await fsp.writeFile(p, '');
      await fsp.truncate(p, v);
    } else await fsp.writeFile(p, v);
  }
  return d;
}

type Failure = [spec: unknown, re: RegExp, code: number, opts?: { top?: string; firmware?: string | null }];

/** Each build fails with one error line matching its `re` and exit `code`, publishing nothing (the
 *  builds run in one process: helpers/cli-runs.ts; the small spec's build is the real CLI). */
async function expectFailures(failures: Failure[]) {
  const runs: string[][] = [];
  const outs: string[] = [];
  for (const [spec, , , opts = {}] of failures) {
    const dir = path.join(tmp, `bad-${n++}`);
    await fsp.mkdir(dir, { recursive: true });
    const specPath = path.join(dir, 'spec.json');
    await fsp.writeFile(specPath, JSON.stringify(spec));
    outs.push(path.join(dir, 'out'));
    const top = opts.top ?? (await toplevel('ok', { kernel: 'K', initrd: 'I', init: '#!/bin/sh\n', 'dtbs/broadcom/bcm2837-rpi-3-b.dtb': 'd3', 'dtbs/broadcom/bcm2711-rpi-4-b.dtb': 'd4' }));
    const fw = opts.firmware === null ? [] : ['--firmware', opts.firmware ?? firmware];
    runs.push(['build', specPath, '--toplevel', top, ...fw, '-o', outs[outs.length - 1]!]);
  }
  for (const [i, r] of (await cliRuns(tmp, runs)).entries()) {
    const [, re, code] = failures[i]!;
    assert.equal(r.exitCode, code, r.stderr);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, /^imgsmith: error: /);
    assert.match(r.stderr, re);
    assert.deepEqual(await listFiles(outs[i]!), [], 'nothing published');
  }
}

test('rpi-direct bad input: the small spec builds (the failures below are not vacuous)', async () => {
  const dir = path.join(tmp, 'small-ok');
  await fsp.mkdir(dir, { recursive: true });
  await fsp.writeFile(path.join(dir, 'spec.json'), JSON.stringify(smallSpec()));
  const top = await toplevel('ok', { kernel: 'K', initrd: 'I', init: '#!/bin/sh\n', 'dtbs/broadcom/bcm2837-rpi-3-b.dtb': 'd3', 'dtbs/broadcom/bcm2711-rpi-4-b.dtb': 'd4' });
  const r = await runCli(['build', path.join(dir, 'spec.json'), '--toplevel', top, '--firmware', firmware, '-o', path.join(dir, 'out')]);
  assert.equal(r.exitCode, 0, r.stderr);
  assert.equal(r.stderr, '');
});

test('rpi-direct bad input: kernel or initrd missing', async () => {
  await expectFailures([
    [smallSpec(), /has no kernel: .*\/kernel is missing/, 1, { top: await toplevel('nokernel', { initrd: 'I', init: 'x' }) }],
    [smallSpec(), /has no initrd: .*\/initrd is missing/, 1, { top: await toplevel('noinitrd', { kernel: 'K', init: 'x' }) }],
  ]);
});

test('rpi-direct bad input: a firmware dir without the Pi 4 blobs while the Pi 4 is targeted; no --firmware at all', async () => {
  const fw = path.join(tmp, 'fw-no-pi4');
  await makeFirmware(fw);
  await fsp.rm(path.join(fw, 'start4.elf'));
  await expectFailures([
    [smallSpec(), /has no start4\.elf, which the Raspberry Pi 4 firmware needs/, 1, { firmware: fw }],
    [smallSpec(), /Raspberry Pi 3 and Raspberry Pi 4 firmware .* comes from --firmware DIR/, 2, { firmware: null }],
  ]);
});

test('rpi-direct bad input: a FAT partition too small for kernel + initrd + dtbs names the size needed', async () => {
  const top = await toplevel('bigkernel', { kernel: 30 * MiB, initrd: 12 * MiB, init: 'x', 'dtbs/broadcom/bcm2837-rpi-3-b.dtb': 'd3', 'dtbs/broadcom/bcm2711-rpi-4-b.dtb': 'd4' });
  await expectFailures([[smallSpec(), /spec\.partitions\[0\]\.size: the content needs \d+ MiB \(\d+ bytes\) but the partition is 40 MiB/, 1, { top }]]);
});

test('rpi-direct bad input: spec errors name the JSON path', async () => {
  const w = 'spec.partitions[0].contents[0]';
  const failures: Failure[] = ([
    [smallSpec({}, { boards: ['pi6'] }), new RegExp(`${w.replace(/[[\]]/g, '\\$&')}\\.options\\.boards\\[0\\]: expected one of "pi3", "pi4", "pi5"`)],
    [smallSpec({}, { boards: [] }), /options\.boards: expected a non-empty array/],
    [smallSpec({}, { bords: ['pi3'] }), /options: unknown key "bords"/],
    [smallSpec({}, { boardConfig: { pi5: 'x=1' } }), /options\.boardConfig\.pi5: the board is not among options\.boards/],
    [smallSpec({}, { extraConfig: '[pi4]\nx=1' }), /options\.extraConfig: must not open a section/],
    [smallSpec({}, { kernel2712: 'k' }), /options\.kernel2712: the Pi 5 is not among options\.boards/],
    [smallSpec({}, { extraKernelParams: ['a b'] }), /options\.extraKernelParams\[0\]: expected one kernel parameter/],
    [smallSpec({}, { rootPartition: 'nope' }), /options\.rootPartition: no partition is named "nope"/],
    [smallSpec({}, {}, { type: 'dos' }), /root=PARTUUID= needs a disk id: set spec\.table\.labelId/],
    [{ ...smallSpec({}, { rootPartition: undefined }), partitions: [smallSpec({}, { rootPartition: undefined }).partitions[0]] }, /needs the root partition .* name it in options\.rootPartition/],
  ] as [unknown, RegExp][]).map(([spec, re]): Failure => [spec, re, 2]);
  const s = smallSpec();
  (s.partitions[0]!.contents[0] as Record<string, unknown>).target = '/boot';
  failures.push([s, /\.target: the Raspberry Pi firmware reads config\.txt, cmdline\.txt and the kernel from the root of the FAT partition/, 2]);
  const e = smallSpec();
  e.partitions = [e.partitions[1]!, { ...e.partitions[0]!, name: 'fw' }] as typeof e.partitions;
  (e.partitions[0] as Record<string, unknown>).contents = [{ generate: 'rpi-direct', options: { boards: ['pi5'], rootPartition: 'fw' } }];
  failures.push([e, /reads its boot files from a FAT partition; partition "root" is ext4/, 2]);
  await expectFailures(failures);
});

test('rpi-direct options and the firmware model (unit)', () => {
  assert.throws(() => rpiDirectOptions({ overlays: 'yes' }, 'w'), (e: unknown) => e instanceof ImgsmithError && e.exitCode === 2 && /w\.overlays: expected true or false/.test(e.message));
  assert.deepEqual(rpiDirectOptions({ boards: ['pi5', 'pi3'] }, 'w').boards, ['pi3', 'pi5'] as PiBoard[]);
  assert.throws(
    () => validateSpec({ name: 'x', table: { type: 'dos' }, partitions: [{ name: 's', type: 'swap', size: '1MiB', filesystem: { type: 'swap', pageSize: 8192 } }] }, tmp),
    (e: unknown) => e instanceof ImgsmithError && e.exitCode === 2 && /spec\.partitions\[0\]\.filesystem\.pageSize: expected one of 4096, 16384, 65536, got number 8192/.test(e.message),
  );
  // Sections: [pi4] settings do not reach the Pi 3; [all] resets; defaults.
  const c = 'arm_64bit=1\n[pi4]\nkernel=k4.img\n[pi3]\ninitramfs i3 followkernel\ndevice_tree=my.dtb\n[all]\ncmdline=cl.txt\n';
  assert.deepEqual(piBootPlan(c, 'pi3'), { board: 'pi3', kernel: 'kernel8.img', initramfs: 'i3', dtbCandidates: ['my.dtb'], cmdline: 'cl.txt', upstreamKernel: false, arm64: true });
  assert.equal(piBootPlan(c, 'pi4').kernel, 'k4.img');
  assert.equal(piBootPlan('', 'pi3').kernel, 'kernel7.img');
  assert.equal(piBootPlan('', 'pi4').kernel, 'kernel7l.img');
  assert.equal(piBootPlan('', 'pi5').kernel, 'kernel8.img');
  assert.equal(piBootPlan('', 'pi5', (f) => f === 'kernel_2712.img').kernel, 'kernel_2712.img');
  assert.equal(piBootPlan('arm_64bit=1\nauto_initramfs=1\n', 'pi3').initramfs, 'initramfs8');
  assert.deepEqual(piBootPlan('', 'pi3').dtbCandidates, ['bcm2710-rpi-3-b.dtb']);
  assert.deepEqual(piBootPlan('upstream_kernel=1\n', 'pi3').dtbCandidates, ['bcm2837-rpi-3-b.dtb', 'bcm2710-rpi-3-b.dtb']);
  assert.deepEqual(piBootPlan('device_tree=\n', 'pi3').dtbCandidates, []);
  assert.equal(piBootPlan('os_prefix=next/\n', 'pi3').cmdline, 'next/cmdline.txt');
  const img = Buffer.alloc(64);
  img.write('ARM\x64', 56, 'latin1');
  assert.ok(isLinuxArm64Kernel(img));
  assert.ok(!isLinuxArm64Kernel(Buffer.alloc(64)));
});
