/**
 * Specs, layouts and partition tables.
 * npm test runs these files in one process (README: "Two commands").
 */
import '../mbr-extended.test.ts';
import '../build.test.ts';
import '../regions.test.ts';
import '../spec-file.test.ts';
import '../ptable.test.ts';
import '../ptable-placement.test.ts';
import '../recipes.test.ts';
import '../layout.test.ts';
import '../closure.test.ts';
