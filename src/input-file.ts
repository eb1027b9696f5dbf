/**
 * Reading input files (the spec, a closure's store-paths and registration) without ever
 * blocking: a FIFO, a terminal or a device given as an input would make a plain open or
 * read wait forever (and not even SIGTERM ends a blocked open). The file is opened with
 * O_NONBLOCK (which a regular file ignores), checked with fstat and refused unless it is a
 * regular file.
 */
import { constants as fsc, promises as fsp, type Stats } from 'node:fs';

/** What a non-regular file is, for messages: "a FIFO (named pipe)", "a directory" ... */
export function fileKind(st: Stats): string {
  if (st.isFile()) return 'a regular file';
  if (st.isFIFO()) return 'a FIFO (named pipe)';
  if (st.isDirectory()) return 'a directory';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  return 'not a regular file';
}

export class NotRegularFileError extends Error {
  readonly kind: string;
  constructor(file: string, kind: string) {
    super(`${file} is ${kind}, not a regular file`);
    this.kind = kind;
  }
}

/** The text of a regular file; NotRegularFileError for anything else, fs errors (ENOENT ...) as they are. */
export async function readRegularText(file: string): Promise<string> {
  const fh = await fsp.open(file, fsc.O_RDONLY | fsc.O_NONBLOCK | fsc.O_NOCTTY);
  try {
    const st = await fh.stat();
    if (!st.isFile()) throw new NotRegularFileError(file, fileKind(st));
    return await fh.readFile('utf8');
  } finally {
    await fh.close();
  }
}
