import type { Migration, MigrationProvider } from 'kysely';
import * as m001 from './001_base.js';
import * as m004 from './004_events.js';

// Migrations are listed here, in order, so they run the same from src (tests) and dist (the CLI).
const MIGRATIONS: Record<string, Migration> = {
  '001_base': m001,
  '004_events': m004,
};

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => MIGRATIONS,
};
