/**
 * Checks of the code and the project's tables: the type check, the structure, schemas, the tool and driver registries.
 * npm test runs these files in one process (README: "Two commands").
 */
import '../typecheck.test.ts';
import '../structure.test.ts';
import '../schema.test.ts';
import '../tools.test.ts';
import '../toolchain.test.ts';
import '../runtime-tools.test.ts';
import '../fs-drivers.test.ts';
