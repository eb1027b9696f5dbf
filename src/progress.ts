/**
 * Progress reporting. The CLI picks an implementation: a progress bar on a TTY,
 * JSON lines with --json, or nothing. Library code only calls this interface.
 */
export interface PhaseHandle {
  /** Reports progress within the phase (bytes or items done of total). */
  update(done: number, total?: number): void;
  /** Ends the phase; `info` is included in the JSON event. */
  end(info?: Record<string, unknown>): void;
}

export interface Progress {
  phase(name: string, total?: number, unit?: 'bytes' | 'items'): PhaseHandle;
  /** A one-off informational event. */
  event(type: string, data: Record<string, unknown>): void;
}

const noopPhase: PhaseHandle = { update() {}, end() {} };

export const silentProgress: Progress = {
  phase: () => noopPhase,
  event: () => {},
};
