/** Partition type names: DOS type bytes and GPT type GUIDs. */
import { usageError } from '../errors.ts';
import { isGuid } from './guid.ts';

export const DOS_ALIASES: Readonly<Record<string, number>> = {
  'fat32': 0x0b,
  'fat32-lba': 0x0c,
  'fat16': 0x06,
  'linux': 0x83,
  'swap': 0x82,
  'efi': 0xef,
  'lvm': 0x8e,
};

/** Extended-partition ids (0x05 and 0x0f are written; 0x85, Linux extended, is only read). */
const DOS_EXTENDED = new Set([0x05, 0x0f, 0x85]);
/** The DOS id of `"type": "extended"`, and of the link entries in an EBR chain (as sfdisk writes them). */
export const DOS_EXTENDED_TYPE = 0x05;

/** Whether a DOS type byte is an extended partition (a chain of logical partitions). */
export function isDosExtended(type: number): boolean {
  return DOS_EXTENDED.has(type);
}

/**
 * The spec's way to ask for an extended partition: "extended" (0x05), or the ids 0x05 and 0x0f
 * (W95 extended, LBA) in any spelling; undefined for any other type, an error message for 0x85.
 */
export function extendedDosType(type: string | number): number | string | undefined {
  const t = String(typeof type === 'number' ? `0x${type.toString(16)}` : type).trim().toLowerCase();
  if (t === 'extended') return DOS_EXTENDED_TYPE;
  const m = /^(?:0x)?([0-9a-f]{1,2})$/.exec(t);
  const id = m ? parseInt(m[1]!, 16) : -1;
  if (id === 0x85) return `DOS partition type "${type}" (0x85, Linux extended) is not written by imgsmith; use "extended" (0x05) or 0x0f`;
  return id === 0x05 || id === 0x0f ? id : undefined;
}

function hex2(n: number): string {
  return `0x${n.toString(16).padStart(2, '0')}`;
}

/** Returns the DOS type byte, or an error message. */
export function parseDosType(type: string): number | string {
  const t = type.trim().toLowerCase();
  const alias = DOS_ALIASES[t];
  let id: number;
  if (alias !== undefined) {
    id = alias;
  } else {
    const m = /^(?:0x)?([0-9a-f]{1,2})$/.exec(t);
    if (!m) {
      if (t === 'extended') return 'an extended partition ("type": "extended") has no filesystem; it exists only in a DOS table';
      return `unknown DOS partition type "${type}" (use a hex id such as 0x0b, b or 83, or one of: ${Object.keys(DOS_ALIASES).join(', ')})`;
    }
    id = parseInt(m[1]!, 16);
  }
  if (id === 0) return `DOS partition type "${type}" (0x00) marks an unused entry`;
  if (DOS_EXTENDED.has(id)) {
    return `DOS partition type "${type}" (${hex2(id)}) is an extended partition: give it as a partition with "type": "extended" and no filesystem`;
  }
  if (id === 0xee) return `DOS partition type "${type}" (0xee) is the GPT protective type; use a "gpt" table instead`;
  return id;
}

/** Resolves a DOS partition type ("0x0b", "b", "0b", "83", "fat32", "linux", ...) to its byte. */
export function resolveDosType(type: string): number {
  const r = parseDosType(type);
  if (typeof r === 'string') throw usageError(r);
  return r;
}

/** Formats a DOS type byte as sfdisk's label-id style hex: "0x0b". */
export function formatDosType(id: number): string {
  return hex2(id);
}

/** DOS type names (as fdisk/sfdisk call them), the common ones. */
const DOS_NAMES: Readonly<Record<number, string>> = {
  0x01: 'FAT12', 0x04: 'FAT16 <32M', 0x05: 'Extended', 0x06: 'FAT16', 0x07: 'HPFS/NTFS/exFAT',
  0x0b: 'W95 FAT32', 0x0c: 'W95 FAT32 (LBA)', 0x0e: 'W95 FAT16 (LBA)', 0x0f: "W95 Ext'd (LBA)",
  0x82: 'Linux swap / Solaris', 0x83: 'Linux', 0x85: 'Linux extended', 0x8e: 'Linux LVM',
  0xda: 'Non-FS data', 0xea: 'Linux extended boot', 0xee: 'GPT', 0xef: 'EFI (FAT-12/16/32)', 0xfd: 'Linux raid autodetect',
};

/** The name of a DOS type byte, or "unknown". */
export function dosTypeName(type: number): string {
  return DOS_NAMES[type] ?? 'unknown';
}

/**
 * GPT type GUIDs with their names as sfdisk/sgdisk call them (GUIDs checked against
 * `sgdisk -t N:CODE` + `sfdisk -d` with gdisk 1.0.9).
 */
const GPT_TYPES = {
  esp: ['C12A7328-F81F-11D2-BA4B-00A0C93EC93B', 'EFI System'],
  basicData: ['EBD0A0A2-B9E5-4433-87C0-68B6B72699C7', 'Microsoft basic data'],
  msReserved: ['E3C9E316-0B5C-4DB8-817D-F92DF00215AE', 'Microsoft reserved'],
  linux: ['0FC63DAF-8483-4772-8E79-3D69D8477DE4', 'Linux filesystem'],
  linuxReserved: ['8DA63339-0007-60C0-C436-083AC8230908', 'Linux reserved'],
  swap: ['0657FD6D-A4AB-43C4-84E5-0933C84B4F4F', 'Linux swap'],
  home: ['933AC7E1-2EB4-4F13-B844-0E14E2AEF915', 'Linux home'],
  rootX86: ['44479540-F297-41B2-9AF7-D131D5F0458A', 'Linux root (x86)'],
  rootX8664: ['4F68BCE3-E8CD-4DB1-96E7-FBCAF984B709', 'Linux root (x86-64)'],
  rootArm64: ['B921B045-1DF0-41C3-AF44-4C6F280D3FAE', 'Linux root (ARM-64)'],
  srv: ['3B8F8425-20E0-4F3B-907F-1A25A76F98E8', 'Linux server data'],
  rootArm: ['69DAD710-2CE4-4E3C-B16C-21A1D49ABED3', 'Linux root (ARM)'],
  dmCrypt: ['7FFEC5C9-2D00-49B7-8941-3EA10A5586B7', 'Linux plain dm-crypt'],
  luks: ['CA7D7CCB-63ED-4C53-861C-1742536059CC', 'Linux LUKS'],
  var: ['4D21B016-B534-45C2-A9FB-5C16E091FD2D', 'Linux variable data'],
  tmp: ['7EC6F557-3BC5-4ACA-B293-16EF5DF639D1', 'Linux temporary data'],
  userHome: ['773F91EF-66D4-49B5-BD83-D683BF40AD16', 'Linux user\'s home'],
  usrX86: ['75250D76-8CC6-458E-BD66-BD47CC81A812', 'Linux /usr (x86)'],
  usrX8664: ['8484680C-9521-48C6-9C11-B0720656F69E', 'Linux /usr (x86-64)'],
  usrArm: ['7D0359A3-02B3-4F0A-865C-654403E70625', 'Linux /usr (ARM)'],
  usrArm64: ['B0E01050-EE5F-4390-949A-9101B17104E9', 'Linux /usr (ARM-64)'],
  lvm: ['E6D6D379-F507-44C2-A23C-238F2A3DF928', 'Linux LVM'],
  raid: ['A19D880F-05FC-4D3B-A006-743F0F84911E', 'Linux RAID'],
  xbootldr: ['BC13C2FF-59E6-4262-A352-B275FD6F7172', 'Linux extended boot'],
  mbrScheme: ['024DEE41-33E7-11D3-9D69-0008C781F39F', 'MBR partition scheme'],
  bios: ['21686148-6449-6E6F-744E-656564454649', 'BIOS boot'],
  uboot: ['3DE21764-95BD-54BD-A5C3-4ABE786F38A8', 'U-Boot environment'],
  // The Discoverable Partitions Specification's dm-verity hash partitions.
  rootX86Verity: ['D13C5D3B-B5D1-422A-B29F-9454FDC89D76', 'Linux x86 root verity'],
  rootX8664Verity: ['2C7357ED-EBD2-46D9-AEC1-23D437EC2BF5', 'Linux x86-64 root verity'],
  rootArmVerity: ['7386CDF2-203C-47A9-A498-F2ECCE45A2D6', 'Linux ARM32 root verity'],
  rootArm64Verity: ['DF3300CE-D69F-4C92-978C-9BFB0F38D820', 'Linux ARM64 root verity'],
  usrX86Verity: ['8F461B0D-14EE-4E81-9AA9-049B6FB97ABD', 'Linux x86 /usr verity'],
  usrX8664Verity: ['77FF5F63-E7B6-4633-ACF4-1565B864C0E6', 'Linux x86-64 /usr verity'],
  usrArmVerity: ['C215D751-7BCD-4649-BE90-6627490A4C05', 'Linux ARM32 /usr verity'],
  usrArm64Verity: ['6E11A4E7-FBCA-4DED-B9E9-E1A512BB664E', 'Linux ARM64 /usr verity'],
} as const satisfies Record<string, readonly [string, string]>;

type GptTypeKey = keyof typeof GPT_TYPES;
/** The type GUIDs by key. */
const G = Object.fromEntries(Object.entries(GPT_TYPES).map(([k, [guid]]) => [k, guid])) as Record<GptTypeKey, string>;
const GPT_NAMES: ReadonlyMap<string, string> = new Map(Object.values(GPT_TYPES));

/** The name of a GPT type GUID (any case), or "unknown". */
export function gptTypeName(guid: string): string {
  return GPT_NAMES.get(guid.toUpperCase()) ?? 'unknown';
}

/** Aliases (case-insensitive). */
export const GPT_ALIASES: Readonly<Record<string, string>> = {
  'esp': G.esp,
  'linux': G.linux,
  'linux-generic': G.linux,
  'swap': G.swap,
  'xbootldr': G.xbootldr,
  'root-arm64': G.rootArm64,
  'root-arm': G.rootArm,
  'root-x86-64': G.rootX8664,
  'root-x86': G.rootX86,
  'usr-arm64': G.usrArm64,
  'usr-arm': G.usrArm,
  'usr-x86-64': G.usrX8664,
  'usr-x86': G.usrX86,
  'root-arm64-verity': G.rootArm64Verity,
  'root-arm-verity': G.rootArmVerity,
  'root-x86-64-verity': G.rootX8664Verity,
  'root-x86-verity': G.rootX86Verity,
  'usr-arm64-verity': G.usrArm64Verity,
  'usr-arm-verity': G.usrArmVerity,
  'usr-x86-64-verity': G.usrX8664Verity,
  'usr-x86-verity': G.usrX86Verity,
  'home': G.home,
  'srv': G.srv,
  'var': G.var,
  'tmp': G.tmp,
  'bios': G.bios,
  'msdata': G.basicData,
  'basic-data': G.basicData,
  'lvm': G.lvm,
  'raid': G.raid,
  'luks': G.luks,
};

/** The Discoverable Partitions Specification's pairs: a verity partition's type GUID -> its data partition's. */
export const DPS_VERITY_DATA: ReadonlyMap<string, string> = new Map([
  [G.rootX86Verity, G.rootX86], [G.rootX8664Verity, G.rootX8664], [G.rootArmVerity, G.rootArm], [G.rootArm64Verity, G.rootArm64],
  [G.usrX86Verity, G.usrX86], [G.usrX8664Verity, G.usrX8664], [G.usrArmVerity, G.usrArm], [G.usrArm64Verity, G.usrArm64],
]);

/** gdisk/sgdisk 4-hex-digit type codes (`sgdisk -L`), the subset we know (case-insensitive). */
export const GDISK_CODES: Readonly<Record<string, string>> = {
  '0700': G.basicData,
  '0c01': G.msReserved,
  '8200': G.swap,
  '8300': G.linux,
  '8301': G.linuxReserved,
  '8302': G.home,
  '8303': G.rootX86,
  '8304': G.rootX8664,
  '8305': G.rootArm64,
  '8306': G.srv,
  '8307': G.rootArm,
  '8308': G.dmCrypt,
  '8309': G.luks,
  '8310': G.var,
  '8311': G.tmp,
  '8312': G.userHome,
  '8313': G.usrX86,
  '8314': G.usrX8664,
  '8315': G.usrArm,
  '8316': G.usrArm64,
  '830b': G.rootX86Verity,
  '830c': G.rootX8664Verity,
  '830d': G.rootArmVerity,
  '830e': G.rootArm64Verity,
  '8318': G.usrX86Verity,
  '8319': G.usrX8664Verity,
  '831a': G.usrArmVerity,
  '831b': G.usrArm64Verity,
  '8e00': G.lvm,
  'b000': G.uboot,
  'ea00': G.xbootldr,
  'ef00': G.esp,
  'ef01': G.mbrScheme,
  'ef02': G.bios,
  'fd00': G.raid,
};

/**
 * Default DOS type of a GPT partition mirrored into a hybrid MBR. FAT-ish types
 * get 0x0c (W95 FAT32 LBA): the Raspberry Pi 3 boot ROM does not recognise 0xef
 * (raspberrypi/firmware#1711), which is what gdisk would pick for an ESP. The
 * rest follows gdisk's convention (high byte of the gdisk code). Other types
 * need an explicit override ("TYPE:0xNN").
 */
const HYBRID_DOS: Readonly<Record<string, number>> = {
  [G.esp]: 0x0c,
  [G.basicData]: 0x0c,
  [G.swap]: 0x82,
  [G.lvm]: 0x8e,
  [G.raid]: 0xfd,
  [G.xbootldr]: 0xea,
  [G.linux]: 0x83, [G.home]: 0x83, [G.rootX86]: 0x83, [G.rootX8664]: 0x83, [G.rootArm64]: 0x83,
  [G.rootArm]: 0x83, [G.srv]: 0x83, [G.var]: 0x83, [G.tmp]: 0x83, [G.userHome]: 0x83,
  [G.usrX86]: 0x83, [G.usrX8664]: 0x83, [G.usrArm]: 0x83, [G.usrArm64]: 0x83,
  [G.luks]: 0x83, [G.dmCrypt]: 0x83,
  [G.rootX86Verity]: 0x83, [G.rootX8664Verity]: 0x83, [G.rootArmVerity]: 0x83, [G.rootArm64Verity]: 0x83,
  [G.usrX86Verity]: 0x83, [G.usrX8664Verity]: 0x83, [G.usrArmVerity]: 0x83, [G.usrArm64Verity]: 0x83,
};

interface ParsedGptType {
  guid: string;
  /** DOS type for a hybrid MBR entry given as "TYPE:0xNN". */
  dosOverride?: number;
}

/** Parses a GPT type (alias, gdisk code or GUID, optionally ":DOSTYPE"); error message on failure. */
export function parseGptType(type: string): ParsedGptType | string {
  const colon = type.indexOf(':');
  const base = (colon >= 0 ? type.slice(0, colon) : type).trim();
  let dosOverride: number | undefined;
  if (colon >= 0) {
    const d = parseDosType(type.slice(colon + 1));
    if (typeof d === 'string') return `GPT partition type "${type}": the hybrid-MBR type after ":" is invalid: ${d}`;
    dosOverride = d;
  }
  const lower = base.toLowerCase();
  let guid: string | undefined = GPT_ALIASES[lower] ?? GDISK_CODES[lower];
  if (guid === undefined && isGuid(base)) {
    guid = base.toUpperCase();
    if (/^[0-]+$/.test(guid)) return `GPT partition type "${type}": the all-zero GUID marks an unused entry`;
  }
  if (guid === undefined) {
    if (/^[0-9a-f]{4}$/i.test(base)) {
      return `unknown gdisk type code "${base}" (known codes: ${Object.keys(GDISK_CODES).join(', ')}; or give the type GUID)`;
    }
    if (/^[0-9a-f-]{30,}$/i.test(base) || /^\{.*\}$/.test(base)) {
      return `GPT partition type "${base}" is not a well-formed GUID (expected 8-4-4-4-12 hex digits, e.g. 0FC63DAF-8483-4772-8E79-3D69D8477DE4)`;
    }
    return `unknown GPT partition type "${base}" (use an alias: ${Object.keys(GPT_ALIASES).join(', ')}; a gdisk code such as ef00 or 8300; or a type GUID)`;
  }
  return dosOverride === undefined ? { guid } : { guid, dosOverride };
}

/**
 * Resolves a GPT partition type (alias such as "esp", gdisk code such as "ef00",
 * or a GUID in any case) to its upper-case type GUID. A hybrid-MBR DOS type may
 * follow after a colon ("esp:0x0b"); it is checked and ignored here.
 */
export function resolveGptType(type: string): string {
  const r = parseGptType(type);
  if (typeof r === 'string') throw usageError(r);
  return r.guid;
}

/** The DOS type byte for a GPT partition mirrored into a hybrid MBR, or an error message. */
export function hybridDosType(type: string): number | string {
  const r = parseGptType(type);
  if (typeof r === 'string') return r;
  if (r.dosOverride !== undefined) return r.dosOverride;
  const d = HYBRID_DOS[r.guid];
  if (d === undefined) {
    return `no default hybrid-MBR type for GPT type ${r.guid}; give one after a colon, e.g. "${type}:0x83"`;
  }
  return d;
}

/** True when the GPT type string carries a ":DOSTYPE" hybrid-MBR override. */
export function hasDosOverride(type: string): boolean {
  return type.includes(':');
}
