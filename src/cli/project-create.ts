import { describeDatabase, storeOptions, type Config } from '../config.js';
import { openStore } from '../store/database.js';
import { createProject } from '../usecases/create-project.js';

/** `omnimerge project create <name>`: prints the new project's API key (shown only once). */
export async function projectCreate(config: Config, name: string, out: (line: string) => void): Promise<void> {
  const store = await openStore(storeOptions(config));
  try {
    const { project_id, api_key } = await createProject(store, name);
    out(api_key);
    process.stderr.write(`project "${name}" (${project_id}) created on ${describeDatabase(config)}; keep the key above: it is shown only once\n`);
  } finally {
    await store.close();
  }
}
