/**
 * Hostile images and compressed downloads through every image tool.
 * npm test runs these files in one process (README: "Two commands").
 */
import '../hostile-flash.test.ts';
import '../hostile-images.test.ts';
