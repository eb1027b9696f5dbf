/**
 * A SHA-256 computed on a worker thread, fed the caller's bytes without copying
 * them: the bytes live in a SharedArrayBuffer, `update` hands the worker a view
 * and resolves once it has hashed them (the caller may then reuse the buffer).
 * The packaging pass hashes the image for its SHA-256 here while the main thread
 * hashes the bmap ranges of the same bytes: two cores, one read.
 */
import { Worker } from 'node:worker_threads';

const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
let hash = createHash('sha256');
const zeros = Buffer.alloc(1 << 20);
parentPort.on('message', (m) => {
  if (m.op === 'update') {
    hash.update(new Uint8Array(m.sab, m.offset, m.length));
  } else if (m.op === 'zeros') {
    for (let left = m.length; left > 0; left -= zeros.length) hash.update(left >= zeros.length ? zeros : zeros.subarray(0, left));
  } else if (m.op === 'digest') {
    parentPort.postMessage({ id: m.id, digest: hash.digest('hex') });
    hash = createHash('sha256');
    return;
  }
  parentPort.postMessage({ id: m.id });
});
`;

/** A byte view the worker can read: a Buffer over a SharedArrayBuffer. */
export function sharedBuffer(size: number): Buffer {
  return Buffer.from(new SharedArrayBuffer(size));
}

export class HashWorker {
  private readonly worker: Worker;
  private next = 0;
  private readonly waiting = new Map<number, { resolve: (d?: string) => void; reject: (e: Error) => void }>();
  private failure: Error | undefined;

  constructor() {
    this.worker = new Worker(WORKER_SOURCE, { eval: true, resourceLimits: { maxOldGenerationSizeMb: 16 } });
    this.worker.on('message', (m: { id: number; digest?: string }) => {
      const w = this.waiting.get(m.id);
      this.waiting.delete(m.id);
      w?.resolve(m.digest);
    });
    const fail = (err: Error) => {
      this.failure ??= err;
      for (const w of this.waiting.values()) w.reject(err);
      this.waiting.clear();
    };
    this.worker.on('error', fail);
    this.worker.on('exit', (code) => fail(new Error(`the hashing thread exited (${code})`)));
  }

  private send(msg: Record<string, unknown>): Promise<string | undefined> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.next++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.worker.postMessage({ ...msg, id });
    });
  }

  /** Hashes `bytes`; they must be a view of a SharedArrayBuffer (see sharedBuffer). */
  update(bytes: Buffer): Promise<unknown> {
    if (!(bytes.buffer instanceof SharedArrayBuffer)) throw new TypeError('HashWorker.update needs a SharedArrayBuffer view');
    return this.send({ op: 'update', sab: bytes.buffer, offset: bytes.byteOffset, length: bytes.length });
  }

  /** Hashes `length` zero bytes (from the worker's own zero buffer). */
  zeros(length: number): Promise<unknown> {
    return this.send({ op: 'zeros', length });
  }

  /** The hex digest of everything hashed so far (and a fresh start). */
  async digest(): Promise<string> {
    return (await this.send({ op: 'digest' }))!;
  }

  async close(): Promise<void> {
    this.worker.removeAllListeners('exit');
    await this.worker.terminate();
  }
}
