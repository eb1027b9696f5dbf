/**
 * Progress reporting. The CLI picks an implementation: a progress bar on a TTY,
 * JSON lines with --json, or nothing. Library code only calls this interface.
 */
export interface PhaseHandle {
  /** Reports progress within the phase (bytes or items done of total). */
  update(done: number, total?: number): void;
  /** Ends the phase; `info` is included in the JSON event. */
  end(info?: Record<string, unknown>): void;
}

/**
 * The phases, by stable identifier: the "phase" of --json events (a contract, listed in
 * schema/build-events.schema.json and README's "--json" section). What a person reads is the
 * label, a separate field ("write:root", "vfat FIRMWARE: copy").
 */
export const PHASES = [
  'contents', // read every partition's file tree
  'measure', // every filesystem's smallest size (btrfs builds itself here)
  'write-partition', // one partition's filesystem written into the image
  'write-regions', // the bootloader regions (spec.regions) written outside the partitions
  'vfat-copy', // files copied into a FAT filesystem
  'ext4', // an ext4 filesystem: mke2fs, populate, normalise, read back
  'btrfs', // a btrfs filesystem: stage, mkfs.btrfs, read back
  'btrfs-copy', // the btrfs filesystem copied into the image
  'erofs', // an erofs filesystem: stage, mkfs.erofs, label
  'erofs-copy', // the erofs filesystem copied into the image
  'squashfs', // a squashfs filesystem: stage, mksquashfs, copy into the image
  'compress', // one pass over the image: hash, bmap and zstd
  'checksum', // the same pass without compression
  'artifact', // one partition's artifacts (output.partitions): its bytes copied out, then the same pass
  'tar', // the tarball output
  'decompress', // flash: the image decompressed
  'flash-write', // flash: the image written to the target
  'flash-verify', // flash: the target read back
] as const;

export type PhaseId = (typeof PHASES)[number];

export interface PhaseOptions {
  /** What a person reads (default: the id). */
  label?: string;
  /** The partition the phase works on (its name in the spec), when it is about one. */
  partition?: string;
}

export interface Progress {
  phase(id: PhaseId, total?: number, unit?: 'bytes' | 'items', opts?: PhaseOptions): PhaseHandle;
  /** A one-off informational event. */
  event(type: string, data: Record<string, unknown>): void;
}

const noopPhase: PhaseHandle = { update() {}, end() {} };

export const silentProgress: Progress = {
  phase: () => noopPhase,
  event: () => {},
};
