/**
 * The project around the code: install, Action, Nix, sparse I/O, the boot console.
 * npm test runs these files in one process (README: "Two commands").
 */
import '../install.test.ts';
import '../action.test.ts';
import '../nix.test.ts';
import '../nix-module.test.ts';
import '../sparse.test.ts';
import '../rmtree.test.ts';
import '../sparse-bytes.test.ts';
import '../boot-serial.test.ts';
