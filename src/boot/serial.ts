/**
 * Watching QEMU's serial consoles (files QEMU appends to) for the boot verdict: a line
 * `IMGSMITH-BOOT-OK <marker>` (ok when the marker is the expected one),
 * `IMGSMITH-BOOT-FAIL <reason>`, or a firmware prompt that waited a few seconds for input
 * (nothing bootable was found). Keeps the last lines for the failure report.
 */
import { promises as fsp } from 'node:fs';
import net from 'node:net';

/** The line a booted system prints when it is happy: `IMGSMITH-BOOT-OK <marker>`. */
export const BOOT_OK = 'IMGSMITH-BOOT-OK';
/** Printed by the boot fixture when one of its checks fails: `IMGSMITH-BOOT-FAIL <reason>`. */
export const BOOT_FAIL = 'IMGSMITH-BOOT-FAIL';
/** The characters of a marker (MARKER_RE in ./image.ts is a whole marker of them). */
export const MARKER_CHARS = '[A-Za-z0-9_-]';

const SERIAL_TAIL_LINES = 50;

// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;?=]*[A-Za-z]|\x1b[()][A-Za-z0-9]|\x1b[=>c]/g;
// eslint-disable-next-line no-control-regex
const clean = (s: string) => s.replace(ANSI, '').replace(/\r/g, '').replace(/[\x00-\x08\x0b-\x1f\x7f]/g, '');

/** U-Boot's command prompt: `=>` by default, `U-Boot>` in the Raspberry Pi builds. */
const UBOOT_PROMPT = /^(=>|U-Boot>)\s*$/;

/** Firmware prompts that mean nothing bootable was found (U-Boot, the UEFI shell). */
const PROMPTS: [RegExp, string][] = [
  [UBOOT_PROMPT, 'U-Boot gave up and stopped at its prompt (no extlinux.conf/boot script found on a bootable partition?)'],
  [/^Shell>\s*$/, 'OVMF dropped to the UEFI shell (no \\EFI\\BOOT\\BOOTX64.EFI on an ESP?)'],
];
const PROMPT_GRACE_MS = 3000;

/** A serial console QEMU writes to a file; its lines are shown with `prefix`. `input`: the
 *  Unix socket of QEMU's chardev, through which the console is typed into (see Typist). */
export interface SerialConsole {
  file: string;
  prefix: string;
  input?: string;
}

/**
 * Types what a person at the console would, to skip the firmware's waits without changing what
 * boots: U-Boot's autoboot countdown is interrupted and `boot` typed (it runs the same
 * bootcmd), and an extlinux menu of exactly one entry is answered with that entry's key (U-Boot
 * boots it anyway when the menu's TIMEOUT runs out). A menu of several entries is left to its
 * timeout: the default is not printed. The firmware polls the UART while it waits, so each
 * second of waiting is a second of the emulator's CPU (about 7 s per U-Boot boot).
 */
class Typist {
  private interrupted = false;
  private typedBoot = false;
  /** The menu item keys printed on the lines just before the current one (`1:\tNixOS - Default`). */
  private items: string[] = [];
  private answeredMenu = false;
  private socket: net.Socket | undefined;

  constructor(private readonly input: string) {}

  line(l: string): void {
    const item = /^(\S+):\t/.exec(l);
    if (item) {
      this.items.push(item[1]!);
    } else {
      this.items = [];
      this.answeredMenu = false;
    }
  }

  /** The console's unterminated last line (a prompt waiting for input). */
  partial(p: string): void {
    if (!this.interrupted && /Hit any key to stop autoboot:[\s\d]*$/.test(p)) {
      this.interrupted = true;
      this.type('\r');
    } else if (this.interrupted && !this.typedBoot && UBOOT_PROMPT.test(p)) {
      this.typedBoot = true;
      this.type('boot\r');
    } else if (!this.answeredMenu && /^Enter choice:\s*$/.test(p) && this.items.length === 1) {
      this.answeredMenu = true;
      this.type(`${this.items[0]}\r`);
    }
  }

  private type(text: string): void {
    if (!this.socket) {
      this.socket = net.createConnection(this.input);
      this.socket.on('data', () => {}); // what QEMU sends is in the log file too
      this.socket.on('error', () => {}); // QEMU gone: nothing left to type into
    }
    this.socket.write(text);
  }

  close(): void {
    this.socket?.destroy();
  }
}

export interface Verdict {
  ok: boolean;
  /** Why it failed ('' when ok). */
  reason: string;
}

interface Stream extends SerialConsole {
  typist: Typist | undefined;
  offset: number;
  partial: string;
  /** When `partial` last changed (ms). */
  partialSince: number;
}

export class SerialWatcher {
  /** The last serial lines (50), ANSI escapes removed. */
  readonly tail: string[] = [];
  verdict: Verdict | undefined;
  private readonly streams: Stream[];
  /** The marker is the characters a marker may have: the kernel's own console output can land right
   *  after it, before the newline (`IMGSMITH-BOOT-OK m123[   42.7] ...`). */
  private readonly okRe = new RegExp(`${BOOT_OK}\\s+(${MARKER_CHARS}+)`);

  constructor(
    consoles: SerialConsole[],
    private readonly marker: string,
    private readonly log: (line: string) => void,
  ) {
    this.streams = consoles.map((c) => ({ ...c, typist: c.input ? new Typist(c.input) : undefined, offset: 0, partial: '', partialSince: 0 }));
  }

  /** Closes the connections to the consoles' inputs. */
  close(): void {
    for (const s of this.streams) s.typist?.close();
  }

  private onLine(line: string, prefix: string): void {
    this.tail.push(prefix + line);
    if (this.tail.length > SERIAL_TAIL_LINES) this.tail.shift();
    this.log(prefix + line);
    if (this.verdict) return;
    const ok = this.okRe.exec(line);
    if (ok) {
      this.verdict =
        ok[1] === this.marker
          ? { ok: true, reason: '' }
          : { ok: false, reason: `the booted system printed marker ${ok[1]}, expected ${this.marker} (a different image?)` };
      return;
    }
    const fi = line.indexOf(BOOT_FAIL);
    if (fi >= 0) this.verdict = { ok: false, reason: `the booted system reported: ${line.slice(fi)}` };
  }

  /** Reads what the consoles got since the last call; `final` also takes unterminated last lines. */
  async poll(final: boolean): Promise<void> {
    for (const s of this.streams) {
      let fh;
      try {
        fh = await fsp.open(s.file, 'r');
      } catch {
        continue;
      }
      try {
        const { size } = await fh.stat();
        if (size > s.offset) {
          const buf = Buffer.alloc(size - s.offset);
          const { bytesRead } = await fh.read(buf, 0, buf.length, s.offset);
          s.offset += bytesRead;
          const text = s.partial + buf.subarray(0, bytesRead).toString('latin1');
          const lines = text.split('\n');
          const partial = lines.pop() ?? '';
          const changed = partial !== s.partial;
          if (changed) s.partialSince = Date.now();
          s.partial = partial;
          for (const l of lines.map(clean)) {
            this.onLine(l, s.prefix);
            s.typist?.line(l);
          }
          if (changed && !this.verdict) s.typist?.partial(clean(partial));
        }
      } finally {
        await fh.close();
      }
      if (final && s.partial) {
        this.onLine(clean(s.partial), s.prefix);
        s.partial = '';
      }
      if (!this.verdict && s.partial && Date.now() - s.partialSince >= PROMPT_GRACE_MS) {
        const cur = clean(s.partial);
        for (const [re, why] of PROMPTS) {
          if (re.test(cur)) {
            this.onLine(cur, s.prefix);
            s.partial = '';
            this.verdict = { ok: false, reason: why };
          }
        }
      }
    }
  }
}
