import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ENTRY = fileURLToPath(new URL('./cli-entry.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface RunningServer {
  url: string;
  child: ChildProcess;
  /** everything the process printed so far */
  output: () => string;
  /** sends the signal and waits for the exit code */
  stop: (signal?: NodeJS.Signals) => Promise<number | null>;
}

/**
 * The suite's environment with `env` over it. A process pointed at a database of its own (another
 * DATABASE_URL) migrates that database directly, not through the suite's OMNIMERGE_MIGRATION_DATABASE_URL.
 */
function childEnv(env: Record<string, string | undefined>): NodeJS.ProcessEnv {
  const own = env.DATABASE_URL !== undefined && env.DATABASE_URL !== process.env.DATABASE_URL;
  return { ...process.env, ...(own ? { OMNIMERGE_MIGRATION_DATABASE_URL: '' } : {}), ...env };
}

/** `omnimerge <args>` from source, running: the child process, to watch and kill. */
export function spawnCli(args: string[], env: Record<string, string | undefined> = {}): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', ENTRY, ...args], { cwd: ROOT, env: childEnv(env) });
}

/** `omnimerge <args>` from source, to completion: its exit code and output. */
export function runCli(args: string[], env: Record<string, string | undefined> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', ENTRY, ...args], { cwd: ROOT, env: childEnv(env) });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

/**
 * `omnimerge serve` from source in its own process, on a free port; resolves once it listens.
 * Pass DATABASE_URL or OMNIMERGE_DATA_DIR in `env` to choose the database.
 */
export function spawnServer(env: Record<string, string | undefined>, timeoutMs = 30_000): Promise<RunningServer> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', ENTRY, 'serve'], {
      cwd: ROOT,
      env: childEnv({ PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', ...env }),
    });
    let output = '';
    const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
    const timer = setTimeout(() => reject(new Error(`server did not start in ${timeoutMs} ms:\n${output}`)), timeoutMs);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /omnimerge serves (http:\/\/[\d.]+:\d+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        child.stdout.off('data', onData);
        child.stdout.on('data', (d) => (output += d));
        resolve({
          url: match[1],
          child,
          output: () => output,
          stop: async (signal = 'SIGTERM') => {
            if (child.exitCode === null && child.signalCode === null) child.kill(signal);
            return exited;
          },
        });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (d) => (output += d));
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code} before listening:\n${output}`));
    });
  });
}
