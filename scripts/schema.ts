/**
 * `npm run schema`: writes schema/imgsmith-spec.schema.json from the drivers and generators
 * (src/spec-schema.ts) and the schemas of the --json outputs (src/output-schemas.ts).
 * test/schema.test.ts and test/json-output.test.ts fail when a committed file is stale.
 */
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SCHEMA_FILE, specSchemaText } from '../src/spec-schema.ts';
import { outputSchemas } from '../src/output-schemas.ts';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const files: Record<string, string> = { [SCHEMA_FILE]: specSchemaText() };
for (const [f, s] of Object.entries(outputSchemas())) files[f] = JSON.stringify(s, null, 2) + '\n';
for (const [f, text] of Object.entries(files)) {
  const file = path.join(repo, f);
  await fsp.mkdir(path.dirname(file), { recursive: true });
  await fsp.writeFile(file, text);
  process.stdout.write(`${f}\n`);
}
