/**
 * The in-process zstd decoders used by ./zstd.ts, fastest first. Both are libzstd, both check
 * each frame's XXH64 content checksum (when the frame has one; imgsmith's frames do) and
 * reject corrupt data:
 *
 *  - `libzstd`: the system's libzstd.so.1 through the native addon (native/zstd_chunk.c:
 *    zstdDecoder/zstdDecode). Each call decodes into a 1 MiB buffer, so its work is bounded.
 *  - `node-zlib`: Node's own zstd (`zlib.createZstdDecompress`, Node >= 22.15 / 23.8; not in
 *    Node 20), one stream per frame, each slice decoded on libuv's thread pool.
 *  - `zstd-codec`: libzstd compiled to WebAssembly (npm zstd-codec, MIT), for when the addon
 *    is not built or IMGSMITH_NO_NATIVE=1 and Node has no zstd. Its transform() decodes all the input it is given,
 *    so the caller bounds the work by feeding small slices (see ./zstd.ts, decodeFrame).
 *
 * Neither decodes a whole file in one call: ./zstd.ts feeds slices and yields to the event
 * loop between them, so SIGINT/SIGTERM/SIGHUP and the parent watch (src/lifetime.ts) are
 * handled within a fraction of a second.
 */
import { createRequire } from 'node:module';
import zlib from 'node:zlib';
import { loadNative } from '../sparse.ts';
import { dataError } from '../errors.ts';

export type EngineName = 'libzstd' | 'node-zlib' | 'zstd-codec';

/** A streaming decoder, one frame at a time. */
export interface FrameEngine {
  readonly name: EngineName;
  /** Starts a new frame (forgets any partly decoded one). */
  begin(): void;
  /**
   * Decodes `input` (the next bytes of the current frame), calling `onOut` with each piece of
   * output (valid only during the call). Throws an Error whose message says why on corrupt data.
   */
  push(input: Buffer, onOut: (b: Buffer) => void): void | Promise<void>;
  /** Whether the frame was complete after the last push (undefined: this decoder cannot tell). */
  complete(): boolean | undefined;
  free(): void;
}

const OUT_SIZE = 1024 * 1024;

interface NativeZstd {
  zstdDecoder(): object;
  zstdDecode(h: object, input: Buffer, start: number, end: number, output: Buffer): [number, number, number];
  zstdDecoderReset(h: object): void;
}

/** The native addon's libzstd decoder, or undefined (addon missing, old, or no usable libzstd.so.1). */
function nativeEngine(): FrameEngine | undefined {
  const n = loadNative() as unknown as Partial<NativeZstd> | null;
  if (!n || typeof n.zstdDecoder !== 'function' || typeof n.zstdDecode !== 'function' || typeof n.zstdDecoderReset !== 'function') return undefined;
  let h: object;
  try {
    h = n.zstdDecoder();
  } catch {
    return undefined; // ENOZSTD: libzstd.so.1 missing or unusable
  }
  const m = n as NativeZstd;
  const out = Buffer.allocUnsafe(OUT_SIZE);
  let hint = -1;
  return {
    name: 'libzstd',
    begin: () => {
      m.zstdDecoderReset(h);
      hint = -1;
    },
    push(input, onOut) {
      let pos = 0;
      for (;;) {
        let r: [number, number, number];
        try {
          r = m.zstdDecode(h, input, pos, input.length, out);
        } catch (err) {
          throw dataError((err as Error).message);
        }
        const [used, made, next] = r;
        pos += used;
        hint = next;
        if (made > 0) onOut(out.subarray(0, made));
        // Done when the input is used up and nothing is left to flush: the output was not
        // full, or the frame ended (hint 0: decoded and flushed; another call would start the next).
        if (pos >= input.length && (made < out.length || next === 0)) return;
      }
    },
    complete: () => hint === 0,
    free: () => undefined, // the handle is freed with its JS object
  };
}

interface CodecStream {
  begin(): boolean;
  transform(chunk: Uint8Array, cb: (b: Uint8Array) => void): boolean;
  end(cb: (b: Uint8Array) => void): boolean;
  delete(): void;
}
interface CodecBinding {
  ZstdDecompressStreamBinding: new () => CodecStream;
}

let codecBinding: Promise<{ binding: CodecBinding }> | undefined;

function loadCodec(): Promise<{ binding: CodecBinding }> {
  codecBinding ??= new Promise((resolve, reject) => {
    try {
      const require = createRequire(import.meta.url);
      const mod = require('zstd-codec/lib/module.js') as { run(f: (b: CodecBinding) => void): void };
      // Wrapped: the Emscripten module has a then() of its own, which resolve() would follow forever.
      mod.run((binding) => resolve({ binding }));
    } catch (err) {
      reject(err instanceof Error ? err : new Error(String(err)));
    }
  });
  return codecBinding;
}

async function codecEngine(): Promise<FrameEngine> {
  const { binding } = await loadCodec();
  const s = new binding.ZstdDecompressStreamBinding();
  let started = false;
  return {
    name: 'zstd-codec',
    begin() {
      if (started) s.end(() => undefined);
      started = s.begin();
      if (!started) throw dataError('cannot start the zstd decoder');
    },
    push(input, onOut) {
      const ok = s.transform(input, (b) => onOut(Buffer.from(b.buffer, b.byteOffset, b.byteLength)));
      // zstd-codec does not say why; libzstd fails on a checksum mismatch or corrupt blocks.
      if (!ok) throw dataError('corrupt data (a block does not decode, or the content checksum does not match)');
    },
    complete: () => undefined,
    free() {
      if (started) s.end(() => undefined);
      s.delete();
    },
  };
}

type ZstdStream = zlib.Zlib & NodeJS.ReadWriteStream & { destroy(): void };
const createZstd = (zlib as unknown as { createZstdDecompress?: (o: zlib.ZlibOptions) => ZstdStream }).createZstdDecompress;

/** Node's zstd (undefined before Node 22.15): a stream per frame; a push resolves once its slice is decoded. */
function zlibEngine(): FrameEngine | undefined {
  if (typeof createZstd !== 'function') return undefined;
  let z: ZstdStream | undefined;
  let failed: Error | undefined;
  let sink: (b: Buffer) => void = () => undefined;
  /** Ends the pending push (undefined: none pending). */
  let settle: ((err?: Error) => void) | undefined;
  const close = () => {
    z?.removeAllListeners();
    z?.on('error', () => undefined);
    z?.destroy();
    z = undefined;
  };
  return {
    name: 'node-zlib',
    begin() {
      close();
      failed = undefined;
      z = createZstd({ chunkSize: OUT_SIZE }); // 16 KiB pieces by default: 3x slower
      z.on('data', (b: Buffer) => sink(b));
      z.on('error', (err: Error) => {
        failed ??= err;
        settle?.(err); // a failed write may never call back
      });
    },
    push(input, onOut) {
      const s = z!;
      sink = onOut;
      return new Promise<void>((resolve, reject) => {
        settle = (err) => {
          settle = undefined;
          const e = failed ?? err;
          if (e) reject(new Error(e.message.replace(/^zstd /, '')));
          else resolve();
        };
        if (failed) settle(failed);
        else s.write(Buffer.from(input), (err) => settle?.(err ?? undefined));
      });
    },
    complete: () => undefined,
    free: close,
  };
}

const ENGINES: Record<EngineName, () => FrameEngine | undefined | Promise<FrameEngine>> = {
  libzstd: nativeEngine,
  'node-zlib': zlibEngine,
  'zstd-codec': codecEngine,
};

/** The decoder `name`, or undefined when it is unavailable (for bench/zstd-decoders.ts). */
export async function createEngine(name: EngineName): Promise<FrameEngine | undefined> {
  return await ENGINES[name]();
}

/** The fastest in-process decoder available: libzstd through the addon, else Node's zstd, else zstd-codec. */
export async function frameEngine(): Promise<FrameEngine> {
  return nativeEngine() ?? zlibEngine() ?? (await codecEngine());
}

/** The name of the decoder frameEngine() gives, without creating one. */
export function frameEngineName(): EngineName {
  const e = nativeEngine();
  e?.free();
  return e ? 'libzstd' : typeof createZstd === 'function' ? 'node-zlib' : 'zstd-codec';
}
