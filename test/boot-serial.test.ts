/**
 * The serial console watcher of boot-test (src/boot/serial.ts) without QEMU: the verdict read from
 * a console log, and what it types into the console's socket at U-Boot's countdown, its prompt and
 * an extlinux menu (the QEMU boots in test/boot*.test.ts run the same code against real firmware).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fsp } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { SerialWatcher, type Verdict } from '../src/boot/serial.ts';

async function console_(): Promise<{ dir: string; file: string; input: string; typed: () => string; close: () => Promise<void> }> {
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'imgsmith-serial-'));
  const input = path.join(dir, 'serial0.sock');
  let got = '';
  const server = net.createServer((s) => s.on('data', (d) => (got += d.toString('latin1'))));
  await new Promise<void>((r) => server.listen(input, r));
  return {
    dir,
    file: path.join(dir, 'serial0.log'),
    input,
    typed: () => got,
    close: async () => {
      await new Promise<void>((r) => server.close(() => r()));
      await fsp.rm(dir, { recursive: true, force: true });
    },
  };
}

const settle = () => new Promise((r) => setTimeout(r, 150));

test('boot-test console: the marker ends where marker characters end (kernel output glued after it)', async () => {
  const c = await console_();
  try {
    await fsp.writeFile(c.file, 'stage 2\nIMGSMITH-BOOT-OK m0123abc[   42.732881] IMGSMITH-BOOT-OK m0123abc\n');
    const w = new SerialWatcher([{ file: c.file, prefix: '' }], 'm0123abc', () => {});
    await w.poll(false);
    assert.deepEqual(w.verdict, { ok: true, reason: '' });
    await fsp.writeFile(c.file, 'IMGSMITH-BOOT-OK other-marker\n');
    const wrong = new SerialWatcher([{ file: c.file, prefix: '' }], 'm0123abc', () => {});
    await wrong.poll(false);
    assert.equal(wrong.verdict?.ok, false);
    assert.match(wrong.verdict!.reason, /printed marker other-marker, expected m0123abc/);
  } finally {
    await c.close();
  }
});

test('boot-test console: U-Boot\'s countdown is interrupted and boot typed once; a one-entry menu gets its key, a two-entry menu nothing', async () => {
  const c = await console_();
  try {
    const w = new SerialWatcher([{ file: c.file, prefix: '', input: c.input }], 'm1', () => {});
    const step = async (text: string) => {
      await fsp.appendFile(c.file, text);
      await w.poll(false);
      await settle();
    };
    await step('U-Boot 2023.01\nHit any key to stop autoboot:  2 ');
    assert.equal(c.typed(), '\r');
    await step('\b\b\b 0 \n=> ');
    assert.equal(c.typed(), '\rboot\r');
    await step('boot\nFound /boot/extlinux/extlinux.conf\n---------\n1:\tNixOS - Default\nEnter choice: ');
    assert.equal(c.typed(), '\rboot\r1\r');
    await step('1\n1:\tNixOS - Default\nRetrieving file\n---------\n1:\tA\n2:\tB\nEnter choice: ');
    assert.equal(c.typed(), '\rboot\r1\r', 'a menu of two entries is left to its timeout');
    await step('\n=> ');
    assert.equal(c.typed(), '\rboot\r1\r', '"boot" is typed once: a second prompt means U-Boot gave up');
    w.close();
  } finally {
    await c.close();
  }
});

test('boot-test console: a U-Boot prompt left alone for 3 s is a failed boot ("=>" and the Pi builds\' "U-Boot>")', async () => {
  for (const prompt of ['=> ', 'U-Boot> ']) {
    const c = await console_();
    try {
      await fsp.writeFile(c.file, `Scanning mmc 0:1...\n${prompt}`);
      const w = new SerialWatcher([{ file: c.file, prefix: '' }], 'm1', () => {});
      await w.poll(false);
      assert.equal(w.verdict, undefined);
      await new Promise((r) => setTimeout(r, 3100));
      await w.poll(false);
      const v = w.verdict as Verdict | undefined; // the assertion above narrowed it to undefined
      assert.equal(v?.ok, false);
      assert.match(v!.reason, /U-Boot gave up/);
    } finally {
      await c.close();
    }
  }
});
