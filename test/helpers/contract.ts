import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsImport from 'ajv-formats';
import { mkdirSync, writeFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { ERROR_STATUS } from '../../src/domain/errors.js';

// The contract test: every answer a test receives through the shared client (and the messenger helpers) is
// checked against the OpenAPI document the server under test serves — its status must be documented for
// that operation, its content type listed, its body valid against the schema. A mismatch fails the test
// that made the call. Each test process records the operations it saw; test/helpers/contract-report.ts
// prints the coverage when the run ends.

const addFormats = addFormatsImport as unknown as (ajv: Ajv2020) => Ajv2020;
const METHODS = ['get', 'put', 'post', 'delete', 'patch'];

/** where each test process writes the operations it saw (OMNIMERGE_CONTRACT_DIR: another, for a second run at once) */
export const COVERAGE_DIR = process.env.OMNIMERGE_CONTRACT_DIR ?? join(process.cwd(), 'test-artifacts', 'contract');

interface Operation {
  id: string;
  method: string;
  pattern: RegExp;
  params: number;
  pointer: string;
  responses: Record<string, { content?: Record<string, unknown> }>;
}

interface Contract {
  operations: Operation[];
  validator: (pointer: string) => ValidateFunction;
}

const contracts = new Map<string, Promise<Contract>>();
const covered = new Set<string>();
const all = new Set<string>();

const escapePointer = (part: string) => part.replace(/~/g, '~0').replace(/\//g, '~1');

async function load(baseUrl: string): Promise<Contract> {
  const doc = (await (await fetch(`${baseUrl}/openapi.json`)).json()) as { paths: Record<string, Record<string, any>> };
  const ajv = addFormats(new Ajv2020({ strict: false, allErrors: true, validateSchema: false }));
  ajv.addSchema({ ...doc, $id: 'openapi.json' });
  const operations: Operation[] = [];
  for (const [path, ops] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(ops)) {
      if (!METHODS.includes(method)) continue;
      const source = path.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}]+\}/g, '[^/]+');
      operations.push({
        id: op.operationId ?? `${method.toUpperCase()} ${path}`,
        method: method.toUpperCase(),
        pattern: new RegExp(`^${source}$`),
        params: (path.match(/\{/g) ?? []).length,
        pointer: `openapi.json#/paths/${escapePointer(path)}/${method}`,
        responses: op.responses,
      });
    }
  }
  // a literal segment wins over a parameter: POST /v1/contacts/merge is not POST /v1/contacts/{id}/…
  operations.sort((a, b) => a.params - b.params);
  for (const op of operations) all.add(op.id);
  const compiled = new Map<string, ValidateFunction>();
  const validator = (pointer: string) => {
    let validate = compiled.get(pointer);
    if (!validate) compiled.set(pointer, (validate = ajv.compile({ $ref: pointer })));
    return validate;
  };
  return { operations, validator };
}

/** Throws when the answer is not what the served document says this operation answers. */
export async function checkAnswer(
  baseUrl: string,
  method: string,
  url: string,
  answer: { status: number; contentType: string | null; body: unknown },
): Promise<void> {
  if (!contracts.has(baseUrl)) contracts.set(baseUrl, load(baseUrl));
  const contract = await contracts.get(baseUrl)!;
  const path = url.split('?')[0];
  // every error code the server sends, on any path, is one of the error table (docs/api.md, ERROR_STATUS)
  const code = (answer.body as { error?: { code?: unknown } } | null)?.error?.code;
  if (answer.status >= 400 && typeof code === 'string' && !(code in ERROR_STATUS)) {
    throw new Error(`contract: ${method} ${path} answered ${answer.status} with the error code "${code}", which the error table does not list`);
  }
  const op = contract.operations.find((o) => o.method === method.toUpperCase() && o.pattern.test(path));
  if (!op) return; // not an operation of the API (the UI's pages, /docs, an unknown route)
  if (!covered.has(op.id)) {
    covered.add(op.id);
    writeCoverage();
  }
  const where = `${method} ${path} (${op.id}) answered ${answer.status}`;
  const response = op.responses[String(answer.status)];
  if (!response) throw new Error(`contract: ${where}, a status its OpenAPI description does not list (${Object.keys(op.responses).join(', ')})`);
  if (!response.content) {
    if (answer.body !== null && answer.body !== '') throw new Error(`contract: ${where} with a body, where the document says none`);
    return;
  }
  const type = (answer.contentType ?? '').split(';')[0].trim();
  if (!(type in response.content)) throw new Error(`contract: ${where} as "${type}", not ${Object.keys(response.content).join(' or ')}`);
  const validate = contract.validator(`${op.pointer}/responses/${answer.status}/content/${escapePointer(type)}/schema`);
  if (!validate(answer.body)) {
    const errors = (validate.errors ?? []).slice(0, 5).map((e) => `${e.instancePath || '(body)'} ${e.message}`).join('; ');
    throw new Error(`contract: ${where} with a body its schema refuses: ${errors}\n${JSON.stringify(answer.body).slice(0, 1000)}`);
  }
}

const coverageFile = join(COVERAGE_DIR, `${process.pid}-${randomUUID()}.json`);

/** This module's coverage so far: the operations seen, and all the documents have. */
function writeCoverage(): void {
  mkdirSync(COVERAGE_DIR, { recursive: true });
  writeFileSync(coverageFile, JSON.stringify({ all: [...all], covered: [...covered] }));
}
