import { execFile, spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { eventually } from './helpers/receiver.js';

// The package as a user gets it: `npm pack`, then `npm install ./omnimerge-x.y.z.tgz` into an empty
// folder (no git, no TypeScript, no Vite there), then `npx omnimerge serve`. It packs, builds and installs,
// which takes minutes, so it runs only with OMNIMERGE_PACK_TEST=1 (.ci/run runs it as a step of its own).
// It packs a copy of the repository: the build empties dist/ and web/dist, which other tests serve.

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const VERSION = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version as string;
const work = mkdtempSync(join(tmpdir(), 'omnimerge-pack-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe.skipIf(process.env.OMNIMERGE_PACK_TEST !== '1')('the npm package', { timeout: 900_000 }, () => {
  it('installs from its tarball into an empty folder and serves the API, the UI and the OpenAPI document', async () => {
    const source = join(work, 'source');
    const skipped = new Set(['node_modules', 'dist', 'data', '.git', 'test-artifacts']);
    cpSync(ROOT, source, { recursive: true, filter: (path) => !skipped.has(basename(path)) });
    symlinkSync(join(ROOT, 'node_modules'), join(source, 'node_modules'));
    const { stdout: packed } = await run('npm', ['pack', '--json', '--pack-destination', work], { cwd: source, maxBuffer: 64 * 1024 * 1024 });
    // the build's own output comes before npm's JSON report
    const [report] = JSON.parse(packed.slice(packed.lastIndexOf('\n[') + 1)) as Array<{ filename: string; files: Array<{ path: string }> }>;
    const files = report.files.map((f) => f.path);
    expect(files).toEqual(expect.arrayContaining(['bin/omnimerge.js', 'dist/cli/main.js', 'web/dist/index.html', 'README.md', 'LICENSE', 'docs/events.md']));
    expect(files.filter((f) => f.startsWith('src/') || f.startsWith('test/') || f.endsWith('.map'))).toEqual([]);

    const app = join(work, 'app');
    mkdirSync(app);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'omnimerge-user', private: true }));
    const install = await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', join(work, report.filename)], { cwd: app, maxBuffer: 64 * 1024 * 1024 });
    expect(install.stderr).not.toContain('EBADENGINE');
    const installed = JSON.parse(readFileSync(join(app, 'node_modules/omnimerge/package.json'), 'utf8'));
    expect(installed.version).toBe(VERSION);

    // `npx omnimerge --version`, timed: the CLI answers without loading the server
    const started = performance.now();
    const { stdout: version } = await run('npx', ['omnimerge', '--version'], { cwd: app });
    const versionMs = performance.now() - started;
    expect(version.trim()).toBe(VERSION);
    console.log(`npx omnimerge --version took ${Math.round(versionMs)} ms`);

    // its own process group, so stopping it stops npx and the server npx started
    const child = spawn('npx', ['omnimerge', 'serve'], {
      cwd: app,
      detached: true,
      env: { ...process.env, PORT: '0', HOST: '127.0.0.1', OMNIMERGE_DATA_DIR: join(work, 'data'), DATABASE_URL: '', OMNIMERGE_API_KEY: 'pack-test-key' },
    });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    const exited = new Promise((resolve) => child.on('exit', resolve));
    try {
      await eventually('the installed server listens', () => /omnimerge serves (http:\/\/[\d.]+:\d+)/.test(output), 120_000);
      const url = /omnimerge serves (http:\/\/[\d.]+:\d+)/.exec(output)![1];
      const health = await fetch(`${url}/healthz`);
      expect(health.status).toBe(200);
      const page = await fetch(`${url}/`);
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toMatch(/^text\/html/);
      expect(await page.text()).toContain('<title>omnimerge</title>');
      const document = (await (await fetch(`${url}/openapi.json`)).json()) as { info: { version: string }; paths: Record<string, unknown> };
      expect(document.info.version).toBe(VERSION);
      expect(Object.keys(document.paths)).toContain('/v1/contacts');
      const bots = await fetch(`${url}/v1/bots`, { headers: { authorization: 'Bearer pack-test-key' } });
      expect(bots.status).toBe(200);
    } finally {
      process.kill(-child.pid!, 'SIGTERM');
      await exited;
    }
  });
});
