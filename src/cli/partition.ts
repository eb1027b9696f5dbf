/** `--partition N` (`-p`): the partition of IMAGE:PARTITION as an option, so IMAGE can be a shell glob. */
import type { Argv } from 'yargs';
import { targetWith, type TargetArg } from '../inspect/address.ts';

export function partitionOpt(y: Argv) {
  return y.option('partition', {
    alias: 'p',
    type: 'string',
    describe: 'The partition: a number, GPT name or filesystem label, as in IMAGE:PARTITION (which it replaces, e.g. after a glob: out/*.img.zst -p 2).',
  });
}

/** The target of a command from its IMAGE[:PARTITION] argument and --partition. */
export const targetOf = (a: { target: string; partition?: unknown }): TargetArg => targetWith(a.target, a.partition);
