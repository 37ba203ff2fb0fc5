import type { Logger } from 'pino';
import { isUnavailable } from '../store/faults.js';

// Background loops (webhook delivery, and any worker that polls the database) keep running through a
// database outage: a failed turn is logged, the loop waits its usual pause and tries again, and it
// resumes by itself when the database is back. An outage is logged when it starts and when the loop
// resumes, not at every failed turn.

export interface LoopFaults {
  /** a turn failed: logs it unless it is one more database fault of the same outage */
  failed(err: unknown): void;
  /** a turn succeeded: logs the recovery after failed turns */
  succeeded(): void;
}

export function loopFaults(name: string, logger?: Logger): LoopFaults {
  let failedTurns = 0;
  let since = 0;
  return {
    failed(err) {
      failedTurns++;
      if (!isUnavailable(err)) {
        logger?.error({ err }, `${name} failed a turn; trying again`);
      } else if (failedTurns === 1) {
        since = Date.now();
        logger?.warn({ err: (err as Error).message }, `${name} paused: the database is unreachable; it resumes by itself when the database is back`);
      }
    },
    succeeded() {
      if (failedTurns === 0) return;
      if (since) logger?.info({ failed_turns: failedTurns }, `${name} resumed after ${((Date.now() - since) / 1000).toFixed(1)} s`);
      failedTurns = 0;
      since = 0;
    },
  };
}
