/**
 * The image tools on the shipped recipes: inspect, diff, --json output, partition artifacts.
 * npm test runs these files in one process (README: "Two commands").
 */
import '../inspect.test.ts';
import '../diff.test.ts';
import '../json-output.test.ts';
import '../artifacts.test.ts';
