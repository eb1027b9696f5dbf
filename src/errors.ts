/**
 * Errors imgsmith reports to users. `kind` decides the exit code:
 *  - "usage": the command line or the image spec is wrong (exit 2)
 *  - "build": the inputs are valid but the build failed (exit 1), e.g. missing
 *    files, a closure that does not fit, a tool that failed.
 */
export type ErrorKind = 'usage' | 'build';

export class ImgsmithError extends Error {
  readonly kind: ErrorKind;
  constructor(kind: ErrorKind, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ImgsmithError';
    this.kind = kind;
  }
  get exitCode(): number {
    return this.kind === 'usage' ? 2 : 1;
  }
}

/** A spec or command-line problem (exit code 2). */
export function usageError(message: string): ImgsmithError {
  return new ImgsmithError('usage', message);
}

/** A build problem with valid inputs (exit code 1). */
export function buildError(message: string, cause?: unknown): ImgsmithError {
  return new ImgsmithError('build', message, cause === undefined ? undefined : { cause });
}
