// How the schema is laid out for a sharded PostgreSQL (Citus): every table is distributed by project_id,
// except these reference tables, which are small and copied whole to every node (docs/scaling.md).
// test/schema-distribution.test.ts holds every migration to this.
export const REFERENCE_TABLES: readonly string[] = [
  // one row per project; every project table's foreign key to it stays valid on every node
  'projects',
  // an API key is looked up by its hash before the project is known, so its unique key cannot hold project_id
  'api_keys',
  // one global row: the sequence that gives events gap-free ids (docs/events.md)
  'event_publisher',
];
