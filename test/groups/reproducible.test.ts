/**
 * Byte-identical images whoever builds them and wherever the inputs are.
 * npm test runs these files in one process (README: "Two commands").
 */
import '../compat.test.ts';
import '../repro.test.ts';
