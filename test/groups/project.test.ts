/**
 * The project around the code: install, Action, Nix, structure, tools, sparse I/O.
 * npm test runs these files in one process (README: "Two commands").
 */
import '../tools.test.ts';
import '../install.test.ts';
import '../action.test.ts';
import '../nix.test.ts';
import '../nix-module.test.ts';
import '../structure.test.ts';
import '../toolchain.test.ts';
import '../output-registry.test.ts';
import '../runtime-tools.test.ts';
import '../fs-drivers.test.ts';
import '../sparse.test.ts';
import '../sparse-bytes.test.ts';
import '../boot-serial.test.ts';
