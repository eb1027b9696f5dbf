/**
 * Hostile build inputs and names.
 * npm test runs these files in one process (README: "Two commands").
 */
import '../hostile-build.test.ts';
import '../hostile-names.test.ts';
import '../hostile.test.ts';
