import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { basename } from 'node:path';
import { SingleBar, Presets } from 'cli-progress';
import { storeOptions, type Config } from '../config.js';
import { importContactId } from '../domain/import-ids.js';
import { openStore, type Store } from '../store/database.js';
import { beginImport, finishImport } from '../store/imports.js';
import { findProjectIdByKeyHash } from '../store/projects.js';
import { hashApiKey } from '../domain/api-keys.js';
import { dedupeContacts } from '../usecases/dedupe-contacts.js';
import { importContacts } from '../usecases/import-contacts.js';
import { openContactFile } from './contact-file.js';

type Print = (line: string) => void;

/** The project the API key belongs to, on the same database `serve` uses. */
export async function withProject<T>(config: Config, work: (store: Store, projectId: string) => Promise<T>): Promise<T> {
  if (!config.apiKey) throw new Error('say which project: --api-key <key> or OMNIMERGE_API_KEY');
  const store = await openStore(storeOptions(config));
  try {
    const projectId = await findProjectIdByKeyHash(store.db, hashApiKey(config.apiKey));
    if (!projectId) throw new Error('no project has this API key; `omnimerge project create <name>` makes one');
    return await work(store, projectId);
  } finally {
    await store.close();
  }
}

async function sha256OfFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * `omnimerge import FILE.csv|FILE.jsonl`: loads contacts with a progress bar, then prints a summary.
 * The project remembers the file by its hash: run again (after a crash, say), it skips the rows it
 * already wrote and goes on from there.
 */
export async function importFile(config: Config, path: string, print: Print, options: { progress: boolean }): Promise<void> {
  const file = openContactFile(path);
  const fileSha256 = await sha256OfFile(path);
  await withProject(config, async (store, projectId) => {
    const run = await beginImport(store.db, projectId, fileSha256, basename(path));
    if (run.runs > 1) {
      print(
        run.finished_at
          ? `this file was imported on ${run.finished_at.toISOString()}; rows already written are skipped`
          : `resuming the import of this file begun on ${run.started_at.toISOString()}; rows already written are skipped`,
      );
    }
    const bar = new SingleBar({ format: '{phase} [{bar}] {percentage}% | {detail}', stream: process.stderr, noTTYOutput: true, notTTYSchedule: 500 }, Presets.shades_classic);
    if (options.progress) bar.start(file.bytes, 0, { phase: 'import', detail: 'starting' });
    const summary = await importContacts(
      store,
      projectId,
      file.rows,
      {
        rows: (read, created) => options.progress && bar.update(file.bytesRead(), { detail: `${read} rows read, ${created} contacts created` }),
        dedupe: (done, total) => {
          if (!options.progress) return;
          bar.setTotal(total);
          bar.update(done, { phase: 'dedupe', detail: `${done}/${total} clusters merged` });
        },
      },
      { contactId: (line) => importContactId(run.started_at, projectId, fileSha256, line) },
    );
    await finishImport(store.db, projectId, fileSha256);
    if (options.progress) bar.stop();
    print(`created: ${summary.created}`);
    if (summary.already_imported > 0) print(`already imported: ${summary.already_imported}`);
    print(`merged: ${summary.merged}${summary.suggested ? `, suggested: ${summary.suggested}` : ''} (${summary.dedupe.clusters_found} clusters)`);
    for (const shared of summary.dedupe.shared_values.slice(0, 20)) {
      print(`not merged on ${shared.values.join(' + ')}: shared by ${shared.contacts} contacts (over max_shared)`);
    }
    print(`refused: ${summary.refused.length}`);
    for (const r of summary.refused) print(`  line ${r.line}: ${r.reason}`);
  });
}

/** `omnimerge dedupe [--dry-run]`: every rule over the whole base; prints the clusters found. */
export async function dedupeBase(config: Config, print: Print, options: { dryRun: boolean }): Promise<void> {
  await withProject(config, async (store, projectId) => {
    const report = await dedupeContacts(store, projectId, { dryRun: options.dryRun });
    print(`${options.dryRun ? 'would merge' : 'merged'}: ${report.contacts_merged} contacts in ${report.clusters_found} clusters${report.suggestions_created ? `, suggested: ${report.suggestions_created}` : ''}`);
    for (const cluster of report.clusters) {
      print(`  ${cluster.survivor} ← ${cluster.members.map((m) => `${m.contact_id} (${m.values.join(' + ')})`).join(', ')}`);
    }
    for (const shared of report.shared_values.slice(0, 20)) print(`not merged on ${shared.values.join(' + ')}: shared by ${shared.contacts} contacts (over max_shared)`);
    for (const failed of report.failed) print(`failed: cluster of ${failed.survivor}: ${failed.reason}`);
  });
}
