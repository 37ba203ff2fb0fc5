#!/usr/bin/env node
// The CLI runs the compiled code; `npm install` builds it (the `prepare` script).
import { main } from '../dist/cli/main.js';

main(process.argv).catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
