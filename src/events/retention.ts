import type { Logger } from 'pino';
import type { Store } from '../store/database.js';
import { pruneDeliveredDeliveries, prunePublishedEvents } from '../store/retention.js';

// Retention (docs/events.md): delivered webhook deliveries and published events older than
// OMNIMERGE_RETENTION_DAYS are deleted in the background, in small batches with a pause between them.
// A delivery still pending or dead is kept, and so is its event.

export interface RetentionOptions {
  /** rows older than this many days go; 0 keeps everything */
  days: number;
  /** how often the pruner looks */
  everyMs: number;
  /** rows per statement */
  batchSize: number;
  /** wait between two batches, so the database serves others meanwhile */
  pauseMs: number;
}

export const DEFAULT_RETENTION: RetentionOptions = { days: 30, everyMs: 60 * 60 * 1000, batchSize: 1000, pauseMs: 50 };

export function retentionOptionsFromEnv(env: NodeJS.ProcessEnv): RetentionOptions {
  const text = env.OMNIMERGE_RETENTION_DAYS;
  if (text === undefined || text === '') return DEFAULT_RETENTION;
  const days = Number(text);
  if (!Number.isFinite(days) || days < 0) throw new Error(`OMNIMERGE_RETENTION_DAYS must be a number of days (0 keeps everything), not "${text}"`);
  return { ...DEFAULT_RETENTION, days };
}

export interface PruneReport {
  deliveries: number;
  events: number;
}

/** One pass: deletes batch after batch until nothing old is left; deliveries first, since events wait for theirs. */
export async function pruneDelivered(store: Store, options: RetentionOptions, now = new Date(), stopping: () => boolean = () => false): Promise<PruneReport> {
  const report: PruneReport = { deliveries: 0, events: 0 };
  if (options.days <= 0) return report;
  const before = new Date(now.getTime() - options.days * 24 * 60 * 60 * 1000);
  const pause = () => new Promise((resolve) => setTimeout(resolve, options.pauseMs));
  for (const [kind, prune] of [
    ['deliveries', pruneDeliveredDeliveries],
    ['events', prunePublishedEvents],
  ] as const) {
    while (!stopping()) {
      const deleted = await prune(store.db, before, options.batchSize);
      report[kind] += deleted;
      if (deleted < options.batchSize) break;
      await pause();
    }
  }
  return report;
}

export interface RetentionWorker {
  stop(): Promise<void>;
}

/** Prunes now and then every `everyMs`, until stopped. */
export function startRetention(store: Store, options: RetentionOptions, logger?: Logger): RetentionWorker {
  let stopping = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  const pass = async () => {
    try {
      const report = await pruneDelivered(store, options, new Date(), () => stopping);
      if (report.deliveries + report.events > 0) logger?.info(report, `pruned deliveries and events older than ${options.days} days`);
    } catch (err) {
      logger?.warn({ err }, 'pruning old deliveries failed; trying again later');
    }
    if (!stopping) timer = setTimeout(() => (running = pass()), options.everyMs);
  };
  if (options.days > 0) running = pass();
  return {
    stop: async () => {
      stopping = true;
      clearTimeout(timer);
      await running;
    },
  };
}
