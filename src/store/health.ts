import type { Logger } from 'pino';

export interface DatabaseHealthFigures {
  /** the last contact with the database succeeded */
  up: boolean;
  /** database errors seen: failed connections, lost connections, timeouts */
  errors_total: number;
  /** seconds from the first failure of each outage to the next success, the current outage included */
  outage_seconds_total: number;
}

/**
 * Counts database faults and outage time, and logs each outage once — when it starts and when it ends —
 * however many requests fail meanwhile.
 */
export class DatabaseHealth {
  private up = true;
  private errors = 0;
  private outageMs = 0;
  private downSince = 0;
  private idleLossLogged = false;

  constructor(private readonly logger?: Logger) {}

  failed(err: unknown): void {
    this.errors++;
    if (!this.up) return;
    this.up = false;
    this.downSince = Date.now();
    this.logger?.warn({ err: describe(err) }, 'database unreachable: requests answer 503 database_unavailable until it is back');
  }

  /** An idle pooled connection was closed by the server (restart, pg_terminate_backend, a firewall). */
  idleConnectionLost(err: unknown): void {
    this.errors++;
    if (this.idleLossLogged || !this.up) return;
    this.idleLossLogged = true;
    this.logger?.warn({ err: describe(err) }, 'the database closed idle connections; new ones will be opened when needed');
  }

  succeeded(): void {
    this.idleLossLogged = false;
    if (this.up) return;
    this.up = true;
    const seconds = (Date.now() - this.downSince) / 1000;
    this.outageMs += Date.now() - this.downSince;
    this.logger?.info({ outage_s: seconds }, `database reachable again after ${seconds.toFixed(1)} s`);
  }

  figures(): DatabaseHealthFigures {
    const current = this.up ? 0 : Date.now() - this.downSince;
    return { up: this.up, errors_total: this.errors, outage_seconds_total: (this.outageMs + current) / 1000 };
  }
}

function describe(err: unknown): string {
  const { code, message } = (err ?? {}) as { code?: string; message?: string };
  return [code, message].filter(Boolean).join(': ') || String(err);
}
