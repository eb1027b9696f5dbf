// Loaded by `npm test` into the runner and every test process (package.json: node --import).
//
// NODE_EXTRA_CA_CERTS is taken out of the environment: Node 20 reads and parses that certificate
// file at every start, before any JavaScript (~60 ms of CPU with Debian's bundle, in each of the
// ~600 Node processes of a run: the test processes, the CLI's wrapper and worker, the serving
// processes), and Node 22+ reads it at the first TLS connection. Only npm makes TLS connections
// here (fetching Node toolchains, npm install): npmEnv() in ./npm-env.ts puts it back for npm.
if (process.env.NODE_EXTRA_CA_CERTS !== undefined) {
  process.env.SUITE_NODE_EXTRA_CA_CERTS = process.env.NODE_EXTRA_CA_CERTS;
  delete process.env.NODE_EXTRA_CA_CERTS;
}
