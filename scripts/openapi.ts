// Prints the OpenAPI document the server serves at /openapi.json (for the SDK's generator and linters):
// `tsx scripts/openapi.ts > sdk/openapi.json`. It builds the server on an in-memory database; nothing listens.
import { buildServer } from '../src/http/server.js';
import { openStore } from '../src/store/database.js';

const store = await openStore({ dataDir: 'memory://' });
const app = await buildServer({ store, logger: false });
await app.ready();
process.stdout.write(`${JSON.stringify(app.swagger(), null, 2)}\n`);
await app.close();
await store.close();
