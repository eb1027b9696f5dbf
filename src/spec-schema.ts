/**
 * The published JSON Schema of the image spec (schema/imgsmith-spec.schema.json, made by
 * `npm run schema`): the common parts are here, each filesystem's part comes from its driver
 * (src/fs/index.ts), the `output` object's from the outputs (src/outputs/registry.ts) and each generator's options from the generators (src/content/resolve.ts).
 * Recipes can name it with "$schema" so that editors complete and check them.
 *
 * imgsmith validates every spec against it with ajv before its own checks (spec.ts), which
 * give the friendly messages (JSON path, "did you mean") and the checks a schema cannot
 * express (label limits per filesystem, partition names, fill rules ...).
 */
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import AjvModule, { type ValidateFunction, type ErrorObject } from 'ajv';
import { drivers, FS_TYPES } from './fs/index.ts';
import { generators, GENERATORS, type ContentGenerator } from './content/resolve.ts';
import { outputSpecProperties } from './outputs/registry.ts';
import { hint, schemaOf, SOURCE_ROOTS, type JsonSchema } from './spec-check.ts';
import { SLOT_CONTENTS } from './slots.ts';

export const SCHEMA_FILE = 'schema/imgsmith-spec.schema.json';

const obj = (properties: Record<string, JsonSchema>, required: readonly string[] = [], extra: JsonSchema = {}): JsonSchema => ({
  type: 'object',
  properties,
  ...(required.length ? { required: [...required] } : {}),
  additionalProperties: false,
  ...extra,
});

/** A partition of type "extended" (DOS), and a partition with a "slot" (src/slots.ts). */
const EXTENDED_TYPE: JsonSchema = { properties: { type: { anyOf: [{ type: 'string', pattern: '^\\s*([Ee][Xx][Tt][Ee][Nn][Dd][Ee][Dd]|(0[xX])?0?[5fF])\\s*$' }, { enum: [5, 15] }] } } };
const HAS_SLOT: JsonSchema = { properties: { slot: true }, required: ['slot'] };
const SLOT_SCHEMA: JsonSchema = {
  ...obj({ of: { type: 'string', minLength: 1 }, contents: { enum: [...SLOT_CONTENTS] } }, ['of', 'contents']),
  description: 'an A/B slot of the partition named by "of": its size, and a copy of its bytes or zeros; no filesystem or contents of its own',
};

const absPath = { type: 'string', pattern: '^/', description: 'an absolute path in the filesystem' };

function filesystemSchema(): JsonSchema {
  return {
    description: `the filesystem: ${FS_TYPES.join(', ')}`,
    type: 'object',
    required: ['type'],
    properties: { type: { enum: FS_TYPES } },
    allOf: FS_TYPES.map((t) => {
      const { spec } = drivers[t];
      return {
        if: { properties: { type: { const: t } } },
        then: obj({ type: { const: t }, ...spec.properties }, ['type', ...(spec.required ?? [])]),
      };
    }),
  };
}

function contentItemSchema(): JsonSchema {
  const generate = GENERATORS.map((name) => {
    const g: ContentGenerator = generators[name];
    return obj(
      {
        generate: { const: name },
        ...(g.fixedTarget ? {} : { target: { ...absPath, description: `${g.target.description} (default ${g.target.default})` } }),
        options: obj(g.options),
      },
      ['generate'],
    );
  });
  return {
    anyOf: [
      obj(
        {
          from: { enum: [...SOURCE_ROOTS] },
          path: { type: 'string', minLength: 1, description: 'relative to the root named by "from"; the last component may be a glob' },
          target: absPath,
          optional: { type: 'boolean' },
          dereference: { type: 'boolean', description: 'follow symlinks (like cp -rL)' },
          allowEscape: { type: 'boolean', description: 'allow a path that leaves its source' },
        },
        ['from', 'path'],
      ),
      obj({ symlink: { type: 'string', minLength: 1, description: 'the link target' }, target: absPath }, ['symlink', 'target']),
      obj({ text: { type: 'string' }, target: absPath, mode: { type: 'string', pattern: '^0?[0-7]{3,4}$' } }, ['text', 'target']),
      ...generate,
    ],
  };
}

/** The whole schema (JSON Schema draft-07, which editors support best). */
export function specSchema(): JsonSchema {
  const size = schemaOf.size;
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    title: 'imgsmith image spec',
    description: 'A disk image for imgsmith build: partition table, partitions with their filesystems and contents, outputs. See README.md.',
    ...obj(
      {
        $schema: { type: 'string' },
        description: { type: 'string' },
        name: { type: 'string', pattern: '^[A-Za-z0-9._+-]+$' },
        system: { type: 'string', pattern: '^[a-z0-9_]+-[a-z0-9_]+$', description: 'a Nix system (default aarch64-linux)' },
        table: {
          type: 'object',
          required: ['type'],
          properties: { type: { enum: ['dos', 'gpt'] } },
          allOf: [
            { if: { properties: { type: { const: 'dos' } } }, then: obj({ type: { const: 'dos' }, labelId: schemaOf.id32 }, ['type']) },
            {
              if: { properties: { type: { const: 'gpt' } } },
              then: obj(
                {
                  type: { const: 'gpt' }, diskGuid: schemaOf.uuid, seed: { type: 'string', minLength: 1 }, hybridMbr: { type: 'array', items: { type: 'string', minLength: 1 } },
                  entryArrayOffset: { ...size, description: 'byte offset of the primary partition entry array (default 1KiB: LBA 2), as sgdisk -j' },
                  entries: { type: 'integer', minimum: 4, multipleOf: 4, description: 'number of partition entries (default 128), as sgdisk --resize-table' },
                  firstUsable: { ...size, description: 'byte offset of the first usable LBA (default: the end of the primary entry array)' },
                },
                ['type'],
              ),
            },
          ],
        },
        alignment: size,
        size: { ...size, description: 'the target disk size (needed for a "fill" partition)' },
        partitions: { type: 'array', minItems: 1, maxItems: 128, items: { $ref: '#/definitions/partition' } },
        regions: { type: 'array', items: { $ref: '#/definitions/region' }, description: 'bootloader blobs at fixed byte offsets outside the partitions' },
        output: obj(outputSpecProperties()),
      },
      ['name', 'table', 'partitions'],
    ),
    definitions: {
      partition: obj(
        {
          name: { type: 'string', minLength: 1 },
          type: { type: ['string', 'integer'], description: 'DOS: 0x0b, 83, fat32, linux, swap, efi...; GPT: esp, linux, swap, xbootldr, root-arm64, ef00, 8300, or a GUID' },
          start: size,
          size: { anyOf: [{ enum: ['auto', 'fill'] }, size] },
          bootable: { type: 'boolean' },
          attributes: { type: 'array', items: { anyOf: [{ enum: ['required', 'no-block-io', 'legacy-bios-bootable', 'grow-file-system'] }, { type: 'integer', minimum: 48, maximum: 63 }] } },
          guid: schemaOf.uuid,
          filesystem: { $ref: '#/definitions/filesystem' },
          contents: { type: 'array', items: { $ref: '#/definitions/contentItem' } },
          slot: SLOT_SCHEMA,
        },
        ['name', 'type'],
        {
          description: 'a partition; "type": "extended" (DOS only) makes an extended partition without filesystem, and the partitions after it logical ones; "slot" makes an A/B slot of another partition (its size, and a copy of its bytes or zeros)',
          allOf: [
            { if: EXTENDED_TYPE, then: { properties: { filesystem: false, contents: false, slot: false } } },
            { if: HAS_SLOT, then: { properties: { filesystem: false, contents: false } }, else: { properties: { size: true }, required: ['size'] } },
            { if: { anyOf: [EXTENDED_TYPE, HAS_SLOT] }, else: { properties: { filesystem: true }, required: ['filesystem'] } },
          ],
        },
      ),
      region: obj(
        {
          name: { type: 'string', pattern: '^[A-Za-z0-9._+-]+$', description: 'unique; names the region in messages and the manifest' },
          offset: { ...size, description: 'byte offset on the disk, e.g. "8KiB" or "64s"' },
          file: { type: 'string', minLength: 1, description: 'the blob, relative to the root named by "from"' },
          from: { enum: [...SOURCE_ROOTS], description: 'where "file" is read from (default "firmware")' },
          maxSize: { ...size, description: 'the largest size the file may have' },
        },
        ['name', 'offset', 'file'],
      ),
      filesystem: filesystemSchema(),
      contentItem: contentItemSchema(),
    },
  };
}

/** The schema file's text, as `npm run schema` writes it. */
export function specSchemaText(): string {
  return JSON.stringify(specSchema(), null, 2) + '\n';
}

/** ajv's options for the spec schema (the build's precompiled validator is made with the same). */
export const SPEC_AJV_OPTIONS = { allowUnionTypes: true, strict: true, verbose: true } as const;

/** The precompiled validator's file, beside the compiled module (lib/, and lib/cli.bundle.js's directory). */
export const PRECOMPILED_VALIDATOR = 'spec-validator.cjs';

/** SHA-256 of the schema's JSON text: which schema a precompiled validator was made from. */
export function specSchemaHash(schema: JsonSchema = specSchema()): string {
  return createHash('sha256').update(JSON.stringify(schema)).digest('hex');
}

let compiled: { validate: ValidateFunction; source: 'precompiled' | 'ajv' } | undefined;

/**
 * The spec schema's validator (once per process). Compiling the schema with ajv costs ~200 ms of
 * CPU, more than the rest of a small build's start, so `npm run build` writes ajv's standalone code
 * for it (scripts/spec-validator.ts) to lib/spec-validator.cjs, stamped with the hash of the schema
 * it was made from. That one is used when it was made from this very schema; otherwise (running
 * src/ through tsx, the Action's dist/, a file missing or from another version, an output registered
 * at run time) ajv compiles it here.
 */
export function specValidator(): ValidateFunction {
  if (!compiled) {
    const schema = specSchema();
    // Beside this module: lib/spec-schema.js, or lib/cli.bundle.js that holds it (src/ has none).
    const pre = precompiledValidator(path.join(path.dirname(fileURLToPath(import.meta.url)), PRECOMPILED_VALIDATOR), specSchemaHash(schema));
    // ajv is CommonJS: Node's default import is module.exports (the class, whose .default is itself).
    compiled = pre ? { validate: pre, source: 'precompiled' } : { validate: new AjvModule.default(SPEC_AJV_OPTIONS).compile(schema), source: 'ajv' };
  }
  return compiled.validate;
}

/** Where this process's spec validator came from (after specValidator()): for the tests. */
export function specValidatorSource(): 'precompiled' | 'ajv' | undefined {
  return compiled?.source;
}

/** The validator in `file` (an absolute path) when it was made from the schema with this hash. */
export function precompiledValidator(file: string, hash: string): ValidateFunction | undefined {
  try {
    const m = createRequire(import.meta.url)(file) as ValidateFunction & { schemaHash?: string };
    return typeof m === 'function' && m.schemaHash === hash ? m : undefined;
  } catch {
    return undefined;
  }
}

/** An ajv error as imgsmith words spec errors: the JSON path ("spec.partitions[0].filesystem") and what is wrong. */
export function schemaErrorMessage(e: ErrorObject): string {
  const where = 'spec' + e.instancePath.split('/').slice(1).map((k) => (/^\d+$/.test(k) ? `[${k}]` : `.${k.replaceAll('~1', '/').replaceAll('~0', '~')}`)).join('');
  if (e.keyword === 'additionalProperties') {
    const key = (e.params as { additionalProperty: string }).additionalProperty;
    const allowed = Object.keys(((e.parentSchema as JsonSchema | undefined)?.properties as JsonSchema | undefined) ?? {});
    return `${where}: unknown key "${key}"${hint(key, allowed)}; expected one of: ${allowed.join(', ')}`;
  }
  return `${where}: ${e.message ?? 'does not match the schema'} (${SCHEMA_FILE}: ${e.schemaPath})`;
}
