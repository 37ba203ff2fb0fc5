import type { Migration, MigrationProvider } from 'kysely';
import * as m001 from './001_base.js';
import * as m002 from './002_merge.js';
import * as m003 from './003_channels.js';
import * as m004 from './004_events.js';
import * as m005 from './005_suggestions.js';
import * as m006 from './006_links.js';
import * as m007 from './007_rules.js';
import * as m008 from './008_rule_indexes.js';
import * as m009 from './009_messenger_fidelity.js';
import * as m010 from './010_privacy_and_imports.js';
import * as m011 from './011_outgoing_queue.js';
import * as m012 from './012_bot_connect.js';
import * as m014 from './014_likely_duplicates.js';
import * as m015 from './015_landing_links.js';
import * as m016 from './016_operators.js';

// Migrations are listed here, in order, so they run the same from src (tests) and dist (the CLI).
const MIGRATIONS: Record<string, Migration> = {
  '001_base': m001,
  '002_merge': m002,
  '003_channels': m003,
  '004_events': m004,
  '005_suggestions': m005,
  '006_links': m006,
  '007_rules': m007,
  '008_rule_indexes': m008,
  '009_messenger_fidelity': m009,
  '010_privacy_and_imports': m010,
  '011_outgoing_queue': m011,
  '012_bot_connect': m012,
  '014_likely_duplicates': m014,
  '015_landing_links': m015,
  '016_operators': m016,
};

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => MIGRATIONS,
};
