/** Output types of the partition-table module. */

/** One byte range to write into the image file. */
export interface TableWrite {
  /** Byte offset in the image. */
  offset: number;
  data: Buffer;
}

/** A partition as recorded in the manifest. */
export interface PartitionInfo {
  /** 1-based partition number. */
  index: number;
  name: string;
  /**
   * DOS: the type byte as "0x0b". GPT: the type GUID in upper case, as `sfdisk -d`
   * prints unknown GUIDs (sfdisk prints a few well-known ones, e.g. Linux user's
   * home 773f91ef-..., in lower case; compare case-insensitively).
   */
  typeCode: string;
  /** GPT only: the unique partition GUID, upper case (as `sfdisk -d` prints it). */
  guid?: string;
  /** DOS: boot indicator 0x80. GPT: legacy-BIOS-bootable attribute (bit 2) set. */
  bootable: boolean;
  /** GPT only, when any attribute bit is set: formatted like `sfdisk -d` "attrs",
   *  e.g. "RequiredPartition LegacyBIOSBootable GUID:48,60". */
  attributes?: string;
  /** Hybrid MBR only: the DOS type byte ("0x0c") of this partition's MBR entry. */
  hybridMbrType?: string;
}

export interface TableInfo {
  type: 'dos' | 'gpt';
  /** DOS disk signature as sfdisk prints it: "0x2178694e". */
  labelId?: string;
  /** GPT disk GUID, upper case. */
  diskGuid?: string;
  /** GPT: the names of the partitions mirrored into a hybrid MBR, in MBR order. */
  hybridMbr?: string[];
  partitions: PartitionInfo[];
}

export interface TableImage {
  writes: TableWrite[];
  info: TableInfo;
}
