/**
 * The environment npm runs with in the tests: ours without npm's own npm_* variables (set when the
 * suite runs under `npm test`, they would override the child npm's configuration), and with the
 * NODE_EXTRA_CA_CERTS that ./suite-env.mjs took out of the test processes put back (npm is the one
 * program here that makes TLS connections).
 */
export function npmEnv(): Record<string, string> {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k, v]) => !/^npm_/i.test(k) && v !== undefined)) as Record<string, string>;
  const certs = process.env.SUITE_NODE_EXTRA_CA_CERTS;
  if (certs !== undefined && env.NODE_EXTRA_CA_CERTS === undefined) env.NODE_EXTRA_CA_CERTS = certs;
  delete env.SUITE_NODE_EXTRA_CA_CERTS;
  return env;
}
