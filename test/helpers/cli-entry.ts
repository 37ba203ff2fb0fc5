// Runs the CLI from source, as `omnimerge` would from the build: tests spawn it with `node --import tsx`.
import { main } from '../../src/cli/main.js';

main(process.argv).catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
