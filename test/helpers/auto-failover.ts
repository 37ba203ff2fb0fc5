import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, openSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort, ownedTempDir, postgresBinDir } from './private-postgres.js';

// A pg_auto_failover formation of the test's own: a monitor, a primary and a secondary on free local
// ports, in a temporary folder. pg_autoctl refuses to run as root, so as root it runs as `postgres`.

const run = promisify(execFile);
const asRoot = process.getuid?.() === 0;

export interface NodeState {
  name: string;
  port: number;
  reported: string;
  assigned: string;
}

export interface Formation {
  /** DATABASE_URL listing both nodes, read-write */
  url: string;
  nodes: () => Promise<NodeState[]>;
  primaryPort: () => Promise<number>;
  /** `pg_autoctl perform failover`: resolves when the monitor reports the new primary */
  failover: () => Promise<void>;
  destroy: () => Promise<void>;
}

export async function startFormation(database = 'omnimerge', timeoutMs = 600_000): Promise<Formation> {
  const bin = postgresBinDir();
  if (!bin) throw new Error('no PostgreSQL server programs found');
  const dir = ownedTempDir('omnimerge-failover-');
  const env = {
    ...process.env,
    PATH: `${bin}:${process.env.PATH}`,
    XDG_CONFIG_HOME: join(dir, 'config'),
    XDG_DATA_HOME: join(dir, 'share'),
    XDG_RUNTIME_DIR: join(dir, 'run'),
    // sockets in the formation's folder, for its servers and pg_autoctl's own connections alike
    PG_REGRESS_SOCK_DIR: dir,
    PGHOST: dir,
  };
  const command = (args: string[]): [string, string[]] => (asRoot ? ['runuser', ['-u', 'postgres', '--', 'env', `PATH=${env.PATH}`, 'pg_autoctl', ...args]] : ['pg_autoctl', args]);
  const autoctl = async (...args: string[]) => {
    const [file, argv] = command(args);
    return (await run(file, argv, { env, timeout: 300_000 })).stdout;
  };
  const children: ChildProcess[] = [];
  const keepRunning = (name: string, args: string[]): ChildProcess => {
    const [file, argv] = command(args);
    const log = openSync(join(dir, `${name}.log`), 'a');
    const child = spawn(file, argv, { env, stdio: ['ignore', log, log] });
    children.push(child);
    return child;
  };
  // the folder goes with the formation: a failure quotes the end of each log
  const logs = () =>
    ['monitor', 'node1', 'node2']
      .filter((name) => existsSync(join(dir, `${name}.log`)))
      .map((name) => `--- ${name}.log\n${readFileSync(join(dir, `${name}.log`), 'utf8').split('\n').slice(-15).join('\n')}`)
      .join('\n');

  const [monitorPort, port1, port2] = [await freePort(), await freePort(), await freePort()];
  const common = ['--hostname', '127.0.0.1', '--listen', '127.0.0.1', '--auth', 'trust', '--no-ssl', '--run'];
  const monitor = `postgres://autoctl_node@127.0.0.1:${monitorPort}/pg_auto_failover?sslmode=disable`;
  const monitorData = join(dir, 'monitor');

  const nodes = async (): Promise<NodeState[]> => {
    const states = JSON.parse(await autoctl('show', 'state', '--pgdata', monitorData, '--json')) as Array<Record<string, unknown>>;
    return states.map((s) => ({ name: String(s.nodename), port: Number(s.nodeport), reported: String(s.current_group_state), assigned: String(s.assigned_group_state) }));
  };
  const waitFor = async (what: string, ok: (states: NodeState[]) => boolean) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const states = await nodes().catch(() => []);
      if (ok(states)) return;
      if (Date.now() > deadline) throw new Error(`pg_auto_failover: no ${what} after ${timeoutMs} ms: ${JSON.stringify(states)}\n${logs()}`);
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  };
  const settled = (states: NodeState[]) =>
    states.length === 2 && states.some((s) => s.reported === 'primary' && s.assigned === 'primary') && states.some((s) => s.reported === 'secondary' && s.assigned === 'secondary');

  const destroy = async () => {
    for (const child of children) child.kill('SIGTERM');
    await Promise.all(children.map((child) => (child.exitCode === null && child.signalCode === null ? new Promise((resolve) => child.once('exit', resolve)) : null)));
    for (const data of ['node1', 'node2', 'monitor']) {
      const [file, argv] = asRoot
        ? ['runuser', ['-u', 'postgres', '--', join(bin, 'pg_ctl'), '-D', join(dir, data), 'stop', '-m', 'immediate']]
        : [join(bin, 'pg_ctl'), ['-D', join(dir, data), 'stop', '-m', 'immediate']];
      await run(file, argv as string[]).catch(() => {});
    }
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    const monitorProcess = keepRunning('monitor', ['create', 'monitor', '--pgdata', monitorData, '--pgport', String(monitorPort), ...common]);
    const monitorUp = Date.now() + timeoutMs;
    // Asked too early, `pg_autoctl show state` races the monitor's own start (both create the configuration
    // folders, and the loser stops with "File exists"): wait until the monitor's PostgreSQL answers first.
    const accepting = () => run(join(bin, 'pg_isready'), ['-h', '127.0.0.1', '-p', String(monitorPort), '-q']).then(() => true, () => false);
    while (!(await accepting()) || (await nodes().then(() => false, () => true))) {
      if (monitorProcess.exitCode !== null) throw new Error(`pg_auto_failover monitor exited with ${monitorProcess.exitCode}\n${logs()}`);
      if (Date.now() > monitorUp) throw new Error(`pg_auto_failover monitor did not start\n${logs()}`);
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
    const node = (name: string, port: number) =>
      keepRunning(name, ['create', 'postgres', '--pgdata', join(dir, name), '--pgport', String(port), '--monitor', monitor, '--dbname', database, '--name', name, ...common]);
    node('node1', port1);
    await waitFor('single primary', (states) => states.some((s) => s.reported === 'single'));
    node('node2', port2);
    await waitFor('primary and secondary', settled);
  } catch (err) {
    await destroy();
    throw err;
  }

  return {
    url: `postgres://postgres@127.0.0.1:${port1},127.0.0.1:${port2}/${database}?target_session_attrs=read-write`,
    nodes,
    primaryPort: async () => {
      const primary = (await nodes()).find((s) => s.reported === 'primary');
      if (!primary) throw new Error('no primary');
      return primary.port;
    },
    failover: async () => {
      const before = (await nodes()).find((s) => s.reported === 'primary')?.name;
      await autoctl('perform', 'failover', '--pgdata', monitorData);
      await waitFor('new primary', (states) => settled(states) && states.find((s) => s.reported === 'primary')?.name !== before);
    },
    destroy,
  };
}
