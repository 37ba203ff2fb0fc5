import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli, spawnServer } from './helpers/process.js';
import { eventually } from './helpers/receiver.js';
import { client } from './helpers/server.js';

// Running omnimerge as an operator does: `omnimerge --version`, and what `omnimerge serve` writes to its log.

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const VERSION = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version as string;

const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'omnimerge-ops-'));
  dirs.push(dir);
  return dir;
};
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
const database = (dataDir: string) => (process.env.DATABASE_URL ? { DATABASE_URL: process.env.DATABASE_URL } : { OMNIMERGE_DATA_DIR: dataDir, DATABASE_URL: '' });

describe('omnimerge --version', () => {
  it('prints the package version with --version and -V', async () => {
    for (const flag of ['--version', '-V']) {
      const { code, stdout } = await runCli([flag]);
      expect(code).toBe(0);
      expect(stdout.trim()).toBe(VERSION);
    }
  });
});

interface LogLine {
  level: number;
  msg: string;
  method?: string;
  route?: string;
  status?: number;
  ms?: number;
}

// a loaded machine may need a while to start a server
describe('the request log of omnimerge serve', { timeout: 300_000 }, () => {
  it('writes one JSON line per answered request with method, route pattern, status and ms; health checks only at debug', async () => {
    const apiKey = `key-${Math.random().toString(36).slice(2)}`;
    const server = await spawnServer({ ...database(tempDir()), OMNIMERGE_API_KEY: apiKey, OMNIMERGE_METRICS: 'off' }, 150_000);
    try {
      const api = client(server.url, apiKey);
      const missing = '0190aaaa-0000-7000-8000-000000000001';
      expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
      expect((await api('GET', `/v1/contacts/${missing}`)).status).toBe(404);
      expect((await api('POST', '/v1/contacts', { name: 'Ann' })).status).toBe(201);
      expect((await fetch(`${server.url}/metrics`)).status).toBe(404); // OMNIMERGE_METRICS=off
      const lines = () =>
        server
          .output()
          .split('\n')
          .filter((l) => l.startsWith('{'))
          .map((l) => JSON.parse(l) as LogLine)
          .filter((l) => l.route !== undefined)
          // the contract check of the test client reads the server's /openapi.json once: not one of the test's requests
          .filter((l) => l.route !== '/openapi.json');
      await eventually('the four answers are logged', () => lines().length >= 3);

      const logged = lines();
      expect(logged.map(({ method, route, status }) => ({ method, route, status }))).toEqual([
        { method: 'GET', route: '/v1/contacts/:id', status: 404 },
        { method: 'POST', route: '/v1/contacts', status: 201 },
        { method: 'GET', route: 'unmatched', status: 404 },
      ]);
      for (const line of logged) {
        expect(line.level).toBe(30); // info
        expect(line.ms).toBeTypeOf('number');
        expect(line.msg).toBe(`${line.method} ${line.route} ${line.status} ${line.ms} ms`);
      }
      // the route pattern, not the raw URL; no second line per request
      expect(server.output()).not.toContain(missing);
      expect(server.output()).not.toContain('incoming request');
      expect(server.output()).not.toContain('request completed');
    } finally {
      await server.stop();
    }
  });

  it('writes readable colored lines instead of JSON when its output is a terminal', async () => {
    const dataDir = tempDir();
    const entry = join(ROOT, 'test/helpers/cli-entry.ts');
    // util-linux `script` gives the server a pseudo-terminal as its stdout
    const child = spawn('script', ['-qec', `${process.execPath} --import tsx ${entry} serve`, '/dev/null'], {
      cwd: ROOT,
      env: { ...process.env, ...database(dataDir), PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info' },
    });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    const exited = new Promise((resolve) => child.on('exit', resolve));
    try {
      await eventually('the server listens', () => /omnimerge serves (http:\/\/[\d.]+:\d+)/.test(output), 150_000);
      const url = /omnimerge serves (http:\/\/[\d.]+:\d+)/.exec(output)![1];
      expect((await fetch(`${url}/v1/bots`)).status).toBe(401);
      await eventually('the request is logged', () => output.includes('GET /v1/bots 401'));
      const line = output.split('\n').find((l) => l.includes('GET /v1/bots 401'))!;
      expect(line).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] .*INFO.*: .*GET \/v1\/bots 401 [\d.]+ ms/);
      expect(output.split('\n').filter((l) => l.trimStart().startsWith('{"level"'))).toEqual([]);
    } finally {
      child.kill('SIGTERM');
      await exited;
    }
  });
});
