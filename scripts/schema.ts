/**
 * `npm run schema`: writes schema/imgsmith-spec.schema.json from the drivers and generators
 * (src/spec-schema.ts). test/schema.test.ts fails when the committed file is stale.
 */
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SCHEMA_FILE, specSchemaText } from '../src/spec-schema.ts';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const file = path.join(repo, SCHEMA_FILE);
await fsp.mkdir(path.dirname(file), { recursive: true });
await fsp.writeFile(file, specSchemaText());
process.stdout.write(`${SCHEMA_FILE}\n`);
