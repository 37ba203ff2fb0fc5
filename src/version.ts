import { readFileSync } from 'node:fs';

// The version of the installed package: from package.json beside src/ and dist/, so a release is
// numbered in one place (the CLI's --version, the OpenAPI document's info.version).
export const VERSION: string = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version;
