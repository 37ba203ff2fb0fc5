import { Command, InvalidArgumentError } from 'commander';
import { readConfig, type Config } from '../config.js';
import { VERSION } from '../version.js';

// Each command loads its code when it runs, so `omnimerge --version` and `--help` answer at once.

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('a port number from 0 to 65535');
  return n;
}

interface CommonFlags {
  dataDir?: string;
  databaseUrl?: string;
  apiKey?: string;
}

const withDatabase = (command: Command) =>
  command
    .option('--data-dir <dir>', 'where the embedded database keeps its files (OMNIMERGE_DATA_DIR, default ./data)')
    .option('--database-url <url>', 'postgres://… to use a real PostgreSQL (DATABASE_URL)');

export async function main(argv: string[]): Promise<void> {
  const program = new Command('omnimerge')
    .description('One contact per person across messengers.')
    .version(VERSION, '-V, --version', 'print the version')
    .showHelpAfterError();

  withDatabase(
    program
      .command('serve')
      .description('serve the HTTP API (and /docs)')
      .option('--port <port>', 'PORT, default 8080', port)
      .option('--host <host>', 'HOST, default 127.0.0.1')
      .option('--public-url <url>', "OMNIMERGE_PUBLIC_URL: this server's base URL as messengers reach it, to register their webhooks"),
  ).action(async (flags: CommonFlags & { port?: number; host?: string; publicUrl?: string }) => {
    const { serve } = await import('./serve.js');
    await serve(readConfig(process.env, flags as Partial<Config>));
  });

  const project = program.command('project').description('projects and their API keys');
  withDatabase(project.command('create').argument('<name>', 'the project name').description('create a project and print its API key')).action(
    async (name: string, flags: CommonFlags) => {
      const { projectCreate } = await import('./project-create.js');
      await projectCreate(readConfig(process.env, flags as Partial<Config>), name, (line) => console.log(line));
    },
  );

  const withProjectKey = (command: Command) => withDatabase(command).option('--api-key <key>', 'the project to work on, by its API key (OMNIMERGE_API_KEY)');

  withProjectKey(
    program
      .command('import')
      .argument('<file>', 'FILE.csv (columns name, phone, email, external_id, tags, variables.<name>) or FILE.jsonl (one contact object a line)')
      .description('load contacts, then merge duplicates under the merge rules; prints created, merged and refused rows')
      .option('--no-progress', 'no progress bar'),
  ).action(async (file: string, flags: CommonFlags & { progress: boolean }) => {
    const { importFile } = await import('./import.js');
    await importFile(readConfig(process.env, flags as Partial<Config>), file, (line) => console.log(line), { progress: flags.progress });
  });

  withProjectKey(
    program
      .command('dedupe')
      .description('apply every merge rule to the whole base at once')
      .option('--dry-run', 'only report the clusters found')
      .option('--likely', 'instead of the rules, suggest likely duplicates (scored, never merged) for an operator to decide'),
  ).action(async (flags: CommonFlags & { dryRun?: boolean; likely?: boolean }) => {
    const config = readConfig(process.env, flags as Partial<Config>);
    if (flags.likely) {
      const { dedupeLikely } = await import('./dedupe-likely.js');
      await dedupeLikely(config, (line) => console.log(line), { dryRun: flags.dryRun ?? false });
      return;
    }
    const { dedupeBase } = await import('./import.js');
    await dedupeBase(config, (line) => console.log(line), { dryRun: flags.dryRun ?? false });
  });

  const operator = program.command('operator').description('the people who sign in to the web UI (e-mail and password)');
  withProjectKey(
    operator
      .command('create')
      .description('create an operator; the password comes from standard input (--password-stdin) or OMNIMERGE_OPERATOR_PASSWORD')
      .requiredOption('--email <e-mail>', 'what they sign in with')
      .requiredOption('--name <name>', 'what history records beside their merges and decisions')
      .option('--password-stdin', 'read the password from the first line of standard input'),
  ).action(async (flags: CommonFlags & { email: string; name: string; passwordStdin?: boolean }) => {
    const { operatorCreate, readPassword } = await import('./operator.js');
    const password = await readPassword(flags.passwordStdin ?? false, process.env);
    await operatorCreate(readConfig(process.env, flags as Partial<Config>), { email: flags.email, name: flags.name, password }, (line) => console.log(line));
  });
  withProjectKey(operator.command('list').description('list operators: id, e-mail, name, state')).action(async (flags: CommonFlags) => {
    const { operatorList } = await import('./operator.js');
    await operatorList(readConfig(process.env, flags as Partial<Config>), (line) => console.log(line));
  });
  withProjectKey(operator.command('disable').argument('<operator>', 'the id or e-mail').description('stop an operator signing in; their sessions end')).action(
    async (who: string, flags: CommonFlags) => {
      const { operatorDisable } = await import('./operator.js');
      await operatorDisable(readConfig(process.env, flags as Partial<Config>), who, (line) => console.log(line));
    },
  );

  await program.parseAsync(argv);
}
