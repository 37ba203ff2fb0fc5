import { storeOptions, type Config } from '../config.js';
import { openStore, type Store } from '../store/database.js';
import { findProjectIdByKeyHash } from '../store/projects.js';
import { hashApiKey } from '../domain/api-keys.js';
import { createOperator } from '../usecases/create-operator.js';
import { disableOperator } from '../usecases/disable-operator.js';
import { listOperators } from '../usecases/list-operators.js';

// `omnimerge operator create|list|disable` (docs/operations.md): the people who sign in to the web UI.

type Print = (line: string) => void;

async function withProject<T>(config: Config, work: (store: Store, projectId: string) => Promise<T>): Promise<T> {
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

/** The password from the first line of standard input, or OMNIMERGE_OPERATOR_PASSWORD (never a flag: flags show in `ps`). */
export async function readPassword(fromStdin: boolean, env: NodeJS.ProcessEnv, stdin: NodeJS.ReadableStream = process.stdin): Promise<string> {
  if (!fromStdin) {
    const password = env.OMNIMERGE_OPERATOR_PASSWORD;
    if (!password) throw new Error('give the password on standard input with --password-stdin, or in OMNIMERGE_OPERATOR_PASSWORD');
    return password;
  }
  let text = '';
  for await (const chunk of stdin) text += chunk.toString();
  return text.split(/\r?\n/)[0];
}

export async function operatorCreate(config: Config, input: { email: string; name: string; password: string }, print: Print): Promise<void> {
  await withProject(config, async (store, projectId) => {
    const operator = await createOperator(store, projectId, input);
    print(`operator ${operator.name} <${operator.email}> created (${operator.id}); they sign in to the web UI with this e-mail and password`);
  });
}

export async function operatorList(config: Config, print: Print): Promise<void> {
  await withProject(config, async (store, projectId) => {
    const { items } = await listOperators(store.db, projectId);
    if (items.length === 0) print('no operators yet; add one with `omnimerge operator create --email <e-mail> --name <name> --password-stdin`');
    for (const o of items) print([o.id, o.email, o.name, o.disabled_at ? `disabled ${o.disabled_at.toISOString()}` : 'active'].join('\t'));
  });
}

/** Disables by id or e-mail. */
export async function operatorDisable(config: Config, who: string, print: Print): Promise<void> {
  await withProject(config, async (store, projectId) => {
    const { items } = await listOperators(store.db, projectId);
    const target = items.find((o) => o.id === who || o.email.toLowerCase() === who.toLowerCase());
    if (!target) throw new Error(`no operator "${who}" in this project; \`omnimerge operator list\` shows them`);
    const operator = await disableOperator(store, projectId, target.id);
    print(`operator ${operator.name} <${operator.email}> disabled; their sessions ended`);
  });
}
