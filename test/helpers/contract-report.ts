import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { COVERAGE_DIR } from './contract.js';

// vitest globalSetup: clears the contract test's coverage before the run, prints it after.

export function setup(): void {
  rmSync(COVERAGE_DIR, { recursive: true, force: true });
}

export function teardown(): void {
  if (!existsSync(COVERAGE_DIR)) return;
  const all = new Set<string>();
  const covered = new Set<string>();
  for (const file of readdirSync(COVERAGE_DIR)) {
    const seen = JSON.parse(readFileSync(join(COVERAGE_DIR, file), 'utf8')) as { all: string[]; covered: string[] };
    seen.all.forEach((op) => all.add(op));
    seen.covered.forEach((op) => covered.add(op));
  }
  if (all.size === 0) return;
  const missing = [...all].filter((op) => !covered.has(op)).sort();
  console.log(`\ncontract: the answers of ${covered.size} of ${all.size} operations were checked against /openapi.json${missing.length ? `; not called: ${missing.join(', ')}` : ''}`);
}
