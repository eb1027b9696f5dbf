/**
 * Images of whole systems (appliances): embedded, Pi direct boot, first boot, A/B slots, verity.
 * npm test runs these files in one process (README: "Two commands").
 */
import '../embedded.test.ts';
import '../rpi-direct.test.ts';
import '../first-boot.test.ts';
import '../ab-slots.test.ts';
import '../verity.test.ts';
