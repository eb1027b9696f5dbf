/**
 * Raspberry Pi boot files, as NixOS's aarch64 SD image has them
 * (nixpkgs nixos/modules/installer/sd-card/sd-image-aarch64.nix, populateFirmwareCommands).
 */

/**
 * The config.txt NixOS writes to the FIRMWARE partition, byte for byte (the Nix
 * indented string with its indentation stripped; it ends with a newline).
 * [pi3]/[pi02] boot U-Boot for the Pi 3; [pi4] (which also matches the Pi 400, CM4
 * and CM4S) boots U-Boot for the Pi 4 with the GIC armstub.
 */
const NIXOS_CONFIG_TXT = `[pi3]
kernel=u-boot-rpi3.bin

[pi02]
kernel=u-boot-rpi3.bin

[pi4]
kernel=u-boot-rpi4.bin
enable_gic=1
armstub=armstub8-gic.bin

# Otherwise the resolution will be weird in most cases, compared to
# what the pi3 firmware does by default.
disable_overscan=1

# Supported in newer board revisions
arm_boost=1

[cm4]
# Enable host mode on the 2711 built-in XHCI USB controller.
# This line should be removed if the legacy DWC2 controller is required
# (e.g. for USB device mode) or if USB support is not required.
otg_mode=1

[all]
# Boot in 64-bit mode.
arm_64bit=1

# U-Boot needs this to work, regardless of whether UART is actually used or not.
# Look in arch/arm/mach-bcm283x/Kconfig in the U-Boot tree to see if this is still
# a requirement in the future.
enable_uart=1

# Prevent the firmware from smashing the framebuffer setup done by the mainline kernel
# when attempting to show low-voltage or overtemperature warnings.
avoid_warnings=1
`;

/**
 * NixOS's config.txt; `extraConfig` (if not empty) is appended after a blank line, so
 * it lands in the final [all] section. A missing final newline is added.
 */
export function rpiConfigTxt(options: { extraConfig?: string } = {}): string {
  const extra = options.extraConfig ?? '';
  if (extra === '') return NIXOS_CONFIG_TXT;
  return `${NIXOS_CONFIG_TXT}\n${extra}${extra.endsWith('\n') ? '' : '\n'}`;
}

/**
 * The files NixOS puts in the FIRMWARE partition besides config.txt, by their name in
 * the partition (globs as NixOS's `cp` uses them). Sources:
 *  - bootcode.bin, fixup*.dat, start*.elf and the four bcm2711 dtbs:
 *    raspberrypifw, share/raspberrypi/boot/
 *  - u-boot-rpi3.bin: ubootRaspberryPi3_64bit, u-boot.bin (renamed)
 *  - u-boot-rpi4.bin: ubootRaspberryPi4_64bit, u-boot.bin (renamed)
 *  - armstub8-gic.bin: raspberrypi-armstubs
 */
export const RPI_AARCH64_FIRMWARE_GLOBS: string[] = [
  'bootcode.bin',
  'fixup*.dat',
  'start*.elf',
  'u-boot-rpi3.bin',
  'u-boot-rpi4.bin',
  'armstub8-gic.bin',
  'bcm2711-rpi-4-b.dtb',
  'bcm2711-rpi-400.dtb',
  'bcm2711-rpi-cm4.dtb',
  'bcm2711-rpi-cm4s.dtb',
];
