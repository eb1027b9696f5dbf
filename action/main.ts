/**
 * The GitHub Action (action.yml, bundled into dist/index.mjs by scripts/bundle-action.ts):
 * reads the step's inputs from INPUT_* variables as the runner sets them, installs
 * missing build tools on Debian/Ubuntu (action/tools.ts), builds the image in-process
 * with buildImage and writes the outputs `image`, `sha256`, `manifest` and `bmap` to
 * $GITHUB_OUTPUT. Progress goes to the log as ::group:: blocks (one per top-level
 * build phase), a failure is one ::error:: line and exit code 1; nothing is published
 * under a final name unless the build succeeded (buildImage's guarantee).
 *
 * Test hooks (not for users): IMGSMITH_ACTION_APT replaces the apt-get binary (no sudo),
 * IMGSMITH_ACTION_OS_RELEASE replaces /etc/os-release.
 */
import { runToolSync } from '../src/tools/run.ts';
import { envValue, setEnv } from '../src/settings.ts';
import { createHash, randomUUID } from 'node:crypto';
import { appendFileSync, closeSync, openSync, existsSync, readFileSync, constants as fsc, promises as fsp } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { buildImage } from '../src/build.ts';
import { outputFlagList } from '../src/outputs/registry.ts';
import { describeError } from '../src/errors.ts';
import { initProcess, onInterrupt } from '../src/lifetime.ts';
import type { PhaseHandle, Progress } from '../src/progress.ts';
import { installPlan, isDebianLike, missingTools, readOsRelease, which } from './tools.ts';

/** A failure to report as one ::error:: line. */
class ActionFailure extends Error {}

const log = (line: string): void => void process.stdout.write(`${line}\n`);

/** Workflow-command escaping of a message (as @actions/core does). */
function escapeData(s: string): string {
  return s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

/** The value of input `name` as the runner passes it (INPUT_<NAME>, spaces as _, trimmed). */
function input(name: string): string {
  return (process.env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] ?? '').trim();
}

/** A YAML 1.2 core boolean input (true/True/TRUE/false/False/FALSE); `def` when empty. */
function booleanInput(name: string, def: boolean): boolean {
  const v = input(name);
  if (v === '') return def;
  if (['true', 'True', 'TRUE'].includes(v)) return true;
  if (['false', 'False', 'FALSE'].includes(v)) return false;
  throw new ActionFailure(`input "${name}": expected true or false, got ${JSON.stringify(v)}`);
}

/** An input naming an existing path (stat follows symlinks such as ./result). */
async function pathInput(name: string, kind: 'file' | 'dir' | 'any', opts: { required?: boolean; what: string; storeRoot?: string }): Promise<string | undefined> {
  const v = input(name);
  if (v === '') {
    if (opts.required) throw new ActionFailure(`input "${name}" is required: ${opts.what}`);
    return undefined;
  }
  let st;
  try {
    st = await fsp.stat(v);
  } catch (err) {
    // With store-root, the toplevel may be named by its store path (read under the root).
    if (opts.storeRoot !== undefined && path.isAbsolute(v)) {
      try {
        st = await fsp.stat(path.join(opts.storeRoot, v));
      } catch {
        // reported below
      }
    }
    if (!st) throw new ActionFailure(`input "${name}": ${v}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : (err as Error).message}`);
  }
  if (kind === 'dir' && !st.isDirectory()) throw new ActionFailure(`input "${name}": ${v}: not a directory (${opts.what})`);
  if (kind === 'file' && !st.isFile()) throw new ActionFailure(`input "${name}": ${v}: not a regular file (${opts.what})`);
  return v;
}

/**
 * The outputs' inputs (compress, bmap ...): the flags of the output registry that declare an
 * Action input (src/outputs/types.ts OutputFlag.action; action.yml declares the same names and
 * defaults, test/action.test.ts checks), as build options. One not given takes its default.
 */
function outputInputs(): Record<string, boolean | string | number> {
  const options: Record<string, boolean | string | number> = {};
  for (const [key, flag] of outputFlagList()) {
    if (!flag.action) continue;
    const v = input(flag.name) || flag.action.default;
    if (v === undefined) continue;
    if (flag.type === 'boolean') options[key] = booleanInput(flag.name, v === 'true');
    else if (flag.type === 'number') {
      if (!/^\d+$/.test(v)) throw new ActionFailure(`input "${flag.name}": expected a whole number, got ${JSON.stringify(v)}`);
      options[key] = Number(v);
    } else options[key] = v;
  }
  return options;
}

async function outputDirInput(): Promise<string> {
  const v = input('output-dir') || 'out';
  try {
    await fsp.mkdir(v, { recursive: true });
    await fsp.access(v, fsc.W_OK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ActionFailure(`input "output-dir": cannot write to ${v}: ${code ?? (err as Error).message}`);
  }
  return v;
}

/** Installs `packages` with apt (through sudo when not root); what went wrong, or undefined.
 *  `planned: true` when no install could even be planned (no sudo, ...). */
function aptInstall(packages: string[], why: string): { planned: boolean; message: string } | undefined {
  const apt = envValue('IMGSMITH_ACTION_APT');
  const plan = installPlan(packages, { root: process.getuid?.() === 0, sudo: which('sudo', process.env.PATH ?? ''), ...(apt ? { apt } : {}) });
  if ('error' in plan) return { planned: true, message: plan.error };
  log(`installing ${packages.join(' ')} (${why})`);
  for (const argv of plan.commands) {
    log(`$ ${argv.join(' ')}`);
    const r = runToolSync(argv[0]!, argv.slice(1), { stdio: ['ignore', 'inherit', 'inherit'] });
    if (r.error || r.status !== 0) return { planned: false, message: `${argv.join(' ')} ${r.error ? r.error.message : `exited with ${r.status ?? r.signal}`}` };
  }
  return undefined;
}

/** Installs the missing build tools with apt on Debian/Ubuntu; fails elsewhere. */
function ensureTools(): void {
  const pathEnv = process.env.PATH ?? '';
  const missing = missingTools(pathEnv);
  if (missing.commands.length === 0) {
    log('build tools: all present');
    return;
  }
  const what = `${missing.commands.join(', ')} (Debian packages: ${missing.packages.join(' ')})`;
  const osRelease = readOsRelease(envValue('IMGSMITH_ACTION_OS_RELEASE') ?? '/etc/os-release');
  if (!isDebianLike(osRelease)) {
    throw new ActionFailure(`missing build tools ${what}; this runner is not Debian or Ubuntu, install them before this step`);
  }
  const failed = aptInstall(missing.packages, `missing: ${missing.commands.join(', ')}`);
  if (failed) throw new ActionFailure(failed.planned ? `missing build tools ${what}; cannot install them: ${failed.message}` : `installing ${missing.packages.join(' ')} failed: ${failed.message}`);
  const still = missingTools(process.env.PATH ?? '');
  if (still.commands.length) throw new ActionFailure(`missing build tools ${still.commands.join(', ')} after installing ${missing.packages.join(' ')}`);
}

/**
 * The ext4 populate helper (native/ext4_populate.c, linked against libext2fs): a checkout
 * of the action has no build/, so it is compiled here (gcc + libext2fs-dev installed with
 * apt when missing) into RUNNER_TEMP and named by IMGSMITH_EXT4_POPULATE, so that the
 * action's ext4 images are the CLI's bytes. When it cannot be built, ext4 falls back to
 * mke2fs -d (correct, but other bytes than the CLI's): a warning says so.
 */
function ensureExt4Helper(): void {
  if (envValue('IMGSMITH_EXT4_POPULATE')) return;
  const source = path.join(path.dirname(path.dirname(fileURLToPath(import.meta.url))), 'native', 'ext4_populate.c');
  const fallback = (why: string): void =>
    log(`::warning::${escapeData(`the ext4 populate helper could not be built (${why}): ext4 roots are written by mke2fs -d instead, whose images are correct but differ from the imgsmith CLI's`)}`);
  if (!existsSync(source)) return fallback(`${source} is missing`);
  const pathEnv = process.env.PATH ?? '';
  const header = ['/usr/include/ext2fs/ext2fs.h', '/usr/local/include/ext2fs/ext2fs.h'].some((h) => existsSync(h));
  if (!which('cc', pathEnv) || !header) {
    const packages = ['gcc', 'libc6-dev', 'libext2fs-dev'];
    const osRelease = readOsRelease(envValue('IMGSMITH_ACTION_OS_RELEASE') ?? '/etc/os-release');
    if (!isDebianLike(osRelease)) return fallback('no C compiler or libext2fs headers, and this runner is not Debian or Ubuntu');
    const failed = aptInstall(packages, 'for the ext4 populate helper');
    if (failed) return fallback(failed.planned ? `cannot install ${packages.join(' ')}: ${failed.message}` : failed.message);
  }
  const hash = createHash('sha256').update(readFileSync(source)).digest('hex').slice(0, 16);
  const out = path.join(process.env.RUNNER_TEMP || os.tmpdir(), `imgsmith-ext4-populate-${hash}`);
  if (!existsSync(out)) {
    const tmp = `${out}.${process.pid}.tmp`;
    const r = runToolSync('cc', ['-std=gnu11', '-O2', '-o', tmp, source, '-lext2fs', '-lcom_err'], { stdio: ['ignore', 'inherit', 'inherit'] });
    if (r.error || r.status !== 0) return fallback(`cc ${r.error ? r.error.message : `exited with ${r.status ?? r.signal}`}`);
    runToolSync('mv', ['-f', tmp, out]);
  }
  setEnv('IMGSMITH_EXT4_POPULATE', out);
  log(`ext4 populate helper: ${out}`);
}

/**
 * Progress as log groups: a phase that starts when none is running opens a ::group:: named
 * after it; phases that start while it runs (its nested phases, and the partitions written
 * in parallel) are lines inside it; the group closes when every phase in it has ended.
 */
function groupProgress(): Progress {
  let active = 0;
  return {
    phase(id, _total, _unit, opts): PhaseHandle {
      const name = opts?.label ?? id; // what a person reads ("write:root"); the id is for --json
      if (active++ === 0) log(`::group::${escapeData(name)}`);
      log(`${name} ...`);
      const start = performance.now();
      let ended = false;
      return {
        update() {},
        end() {
          if (ended) return;
          ended = true;
          log(`${name}: done in ${((performance.now() - start) / 1000).toFixed(1)} s`);
          if (--active === 0) log('::endgroup::');
        },
      };
    },
    event(type, data) {
      if (type === 'warning') log(`::warning::${escapeData(String(data.message))}`);
      else if (type === 'plan') log(`plan: ${JSON.stringify(data)}`);
    },
  };
}

/** Appends outputs to $GITHUB_OUTPUT in the multi-line form (any value is safe). */
function setOutputs(outputs: Record<string, string>): void {
  const file = process.env.GITHUB_OUTPUT;
  for (const [k, v] of Object.entries(outputs)) log(`output ${k}=${v}`);
  if (!file) return;
  let text = '';
  for (const [k, v] of Object.entries(outputs)) {
    const delim = `ghadelimiter_${randomUUID()}`;
    text += `${k}<<${delim}\n${v}\n${delim}\n`;
  }
  appendFileSync(file, text);
}

/**
 * The runner's files the action writes (GITHUB_OUTPUT) must be writable before the build:
 * else the image would be published and the step fail without outputs. Opened for
 * appending (nothing written); one error naming the file otherwise.
 */
function checkRunnerFiles(): void {
  const file = process.env.GITHUB_OUTPUT;
  if (!file) return;
  try {
    closeSync(openSync(file, 'a'));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new ActionFailure(`GITHUB_OUTPUT ${file} is not writable (${code}): the step could not set its outputs; nothing was built`);
  }
}

async function run(): Promise<void> {
  checkRunnerFiles();
  const storeRoot = await pathInput('store-root', 'dir', { what: 'where the store paths are on this machine' });
  const spec = await pathInput('spec', 'file', { required: true, what: 'the JSON image spec, e.g. images/rpi-aarch64.json' });
  const closure = await pathInput('closure', 'any', { what: 'a closureInfo directory or a file of store paths' });
  const toplevel = await pathInput('toplevel', 'any', { what: 'the NixOS system (toplevel)', ...(storeRoot !== undefined ? { storeRoot } : {}) });
  const firmware = await pathInput('firmware', 'dir', { what: 'the firmware directory' });
  const options = outputInputs();
  const outDir = await outputDirInput();

  log('::group::build tools');
  try {
    ensureTools();
    ensureExt4Helper();
  } finally {
    log('::endgroup::');
  }

  const r = await buildImage({
    specPath: spec!,
    ...(closure !== undefined ? { closure } : {}),
    ...(storeRoot !== undefined ? { storeRoot } : {}),
    ...(toplevel !== undefined ? { toplevel } : {}),
    ...(firmware !== undefined ? { firmware } : {}),
    outDir,
    ...options,
    progress: groupProgress(),
  });
  const image = r.compressedPath ?? r.imagePath;
  const sha256 = r.manifest.image.compressed?.sha256 ?? r.manifest.image.sha256;
  if (!image || !sha256) throw new ActionFailure('the build wrote no image file');
  setOutputs({ image, sha256, manifest: r.manifestPath, ...(r.bmapPath ? { bmap: r.bmapPath } : {}) });
}

initProcess();
const off = onInterrupt((sig) => `::error::imgsmith: interrupted by ${sig}; nothing was published`);
try {
  await run();
} catch (err) {
  // imgsmith's messages name CLI options; here they are the step's inputs.
  const message =
    err instanceof ActionFailure
      ? err.message
      : `imgsmith: ${describeError(err, { interruptedNote: '; nothing was published' }).message.replace(/--(closure|toplevel|firmware|store-root)(?: [A-Z]+)?\b/g, 'input "$1"').replace(/(^|\W)-o\b/g, '$1input "output-dir"')}`;
  log(`::error::${escapeData(message)}`);
  process.exitCode = 1;
} finally {
  off();
}
