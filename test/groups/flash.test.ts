/**
 * flash and verify on files, loop devices and used cards; holes.
 * npm test runs these files in one process (README: "Two commands").
 */
import '../flash-garbage.test.ts';
import '../verify-flash.test.ts';
import '../holes.test.ts';
