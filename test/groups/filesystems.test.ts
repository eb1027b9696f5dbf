/**
 * The filesystem drivers: ext4, btrfs, erofs, squashfs, FAT, swap.
 * npm test runs these files in one process (README: "Two commands").
 */
import '../ext4.test.ts';
import '../btrfs.test.ts';
import '../btrfs-names.test.ts';
import '../erofs.test.ts';
import '../squashfs.test.ts';
import '../vfat.test.ts';
import '../vfat-fat32.test.ts';
import '../swap.test.ts';
