/**
 * The CLI as a process: signals, the bundle, conventions, Node versions.
 * npm test runs these files in one process (README: "Two commands").
 */
import '../signals.test.ts';
import '../cli-bundle.test.ts';
import '../cli-conventions.test.ts';
import '../cli.test.ts';
import '../node-versions.test.ts';
