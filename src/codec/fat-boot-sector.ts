/**
 * The FAT boot sector (BPB and extended BPB), decode and encode side by side: the one
 * place for its field offsets. The writer (src/fs/vfat.ts) decodes what FatFs made, sets
 * the volume id, label and type string, and encodes them back; the reader
 * (src/inspect/readers/vfat.ts) and the probe decode. Decoding reads only the 512 bytes it
 * is given and never trusts a count: the geometry checks are the reader's.
 */

export const FAT_BOOT_SECTOR_SIZE = 512;
/** The extended BPB (BS_DrvNum ...) starts here on FAT12/16, and on FAT32. */
const EXT_FAT16 = 36;
const EXT_FAT32 = 64;
/** Within the extended BPB: boot signature 0x29, volume id, label, type string. */
const EXT = { bootSig: 2, volumeId: 3, label: 7, fsType: 18 } as const;
const EXT_BOOT_SIG = 0x29;
export const FAT_NO_LABEL = 'NO NAME';

export interface FatBootSector {
  oem: string;
  bytesPerSector: number;
  sectorsPerCluster: number;
  reservedSectors: number;
  fats: number;
  /** Fixed root directory entries (0 on FAT32). */
  rootEntries: number;
  totalSectors: number;
  media: number;
  /** BPB_FATSz16, 0 on FAT32 (then fatSectors comes from BPB_FATSz32). */
  fatSectors16: number;
  fatSectors: number;
  hiddenSectors: number;
  /** FAT32 only: BPB_RootClus and BPB_BkBootSec. */
  rootCluster: number;
  backupBootSector: number;
  /** The extended BPB, when its signature 0x29 is there. */
  volumeId?: number;
  /** BS_VolLab without trailing spaces ("NO NAME" when none). */
  label?: string;
  /** BS_FilSysType without trailing spaces ("FAT16", "FAT32"). */
  fsType?: string;
  /** 0x55 0xAA at bytes 510-511. */
  signature: boolean;
}

/** Whether the layout is FAT32's (BPB_FATSz16 is 0): where its extended BPB sits. */
const extAt = (fatSectors16: number) => (fatSectors16 === 0 ? EXT_FAT32 : EXT_FAT16);

/** Decodes the first 512 bytes of a FAT volume; an error message when fewer are given. */
export function decodeFatBootSector(b: Buffer): FatBootSector | string {
  if (b.length < FAT_BOOT_SECTOR_SIZE) return `a FAT boot sector is ${FAT_BOOT_SECTOR_SIZE} bytes, got ${b.length}`;
  const fatSectors16 = b.readUInt16LE(22);
  const ext = extAt(fatSectors16);
  const hasExt = b[ext + EXT.bootSig] === EXT_BOOT_SIG;
  const text = (o: number, n: number) => b.toString('latin1', o, o + n).replace(/ +$/, '');
  return {
    oem: b.toString('latin1', 3, 11),
    bytesPerSector: b.readUInt16LE(11),
    sectorsPerCluster: b[13]!,
    reservedSectors: b.readUInt16LE(14),
    fats: b[16]!,
    rootEntries: b.readUInt16LE(17),
    totalSectors: b.readUInt16LE(19) || b.readUInt32LE(32),
    media: b[21]!,
    fatSectors16,
    fatSectors: fatSectors16 || b.readUInt32LE(36),
    hiddenSectors: b.readUInt32LE(28),
    rootCluster: fatSectors16 === 0 ? b.readUInt32LE(44) : 0,
    backupBootSector: fatSectors16 === 0 ? b.readUInt16LE(50) : 0,
    ...(hasExt ? { volumeId: b.readUInt32LE(ext + EXT.volumeId), label: text(ext + EXT.label, 11), fsType: text(ext + EXT.fsType, 8) } : {}),
    signature: b[510] === 0x55 && b[511] === 0xaa,
  };
}

/** The extended-BPB fields the writer sets (FatFs leaves them generic). */
export interface FatVolumeFields {
  volumeId: number;
  /** At most 11 ASCII bytes; '' for none ("NO NAME"). */
  label: string;
  /** "FAT12", "FAT16" or "FAT32". */
  fsType: string;
}

/** Encodes the volume fields into a boot sector (decodeFatBootSector reads them back). */
export function encodeFatVolumeFields(b: Buffer, f: FatVolumeFields): Buffer {
  const ext = extAt(b.readUInt16LE(22));
  b[ext + EXT.bootSig] = EXT_BOOT_SIG;
  b.writeUInt32LE(f.volumeId >>> 0, ext + EXT.volumeId);
  b.write((f.label || FAT_NO_LABEL).padEnd(11, ' '), ext + EXT.label, 11, 'latin1');
  b.write(f.fsType.padEnd(8, ' '), ext + EXT.fsType, 8, 'latin1');
  return b;
}

/** "2178-694E": a volume id as blkid and the manifest show it. */
export function fatVolumeIdString(id: number): string {
  const hex = (id >>> 0).toString(16).toUpperCase().padStart(8, '0');
  return `${hex.slice(0, 4)}-${hex.slice(4)}`;
}

/** Whether the partition's first bytes look like a FAT boot sector (a weak test: the probe
 *  tries it after the filesystems with a magic number). */
export function looksLikeFat(head: Buffer): boolean {
  const bs = decodeFatBootSector(head);
  if (typeof bs === 'string' || !bs.signature) return false;
  const typed = head.toString('latin1', 54, 57) === 'FAT' || head.toString('latin1', 82, 87) === 'FAT32';
  return [512, 1024, 2048, 4096].includes(bs.bytesPerSector) && bs.sectorsPerCluster > 0 && (typed || bs.fats > 0);
}
