# The firmware directory images/rpi-aarch64.json and images/rpi4-usb-ssd.json copy from,
# assembled from nixpkgs as sd-image-aarch64.nix populates its FIRMWARE partition.
# `pkgs` is the aarch64-linux package set (U-Boot is built for the Pi, or substituted).
{ pkgs }:
pkgs.runCommand "rpi-firmware" { } ''
  mkdir $out
  boot=${pkgs.raspberrypifw}/share/raspberrypi/boot
  cp $boot/bootcode.bin $boot/fixup*.dat $boot/start*.elf $boot/bcm2711-rpi-*.dtb $out/
  cp ${pkgs.ubootRaspberryPi3_64bit}/u-boot.bin $out/u-boot-rpi3.bin
  cp ${pkgs.ubootRaspberryPi4_64bit}/u-boot.bin $out/u-boot-rpi4.bin
  cp ${pkgs.raspberrypi-armstubs}/armstub8-gic.bin $out/
''
