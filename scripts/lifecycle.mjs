// npm's lifecycle steps for building and packing omnimerge (package.json "scripts"):
//
//   prepare   `npm install` / `npm ci` on a clone builds dist/ and web/dist. Skipped where there is
//             nothing to build (an installed package has no src/) and during `npm pack` / `npm publish`,
//             whose `prepack` builds.
//   prepack   a clean build, so the tarball holds no compiled file whose source is gone.
import { execSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';

const build = () => execSync('npm run build', { stdio: 'inherit' });

const steps = {
  prepare: () => {
    if (!existsSync('src') || ['pack', 'publish'].includes(process.env.npm_command ?? '')) return;
    build();
  },
  prepack: () => {
    rmSync('dist', { recursive: true, force: true });
    build();
  },
};

const step = steps[process.argv[2]];
if (!step) throw new Error(`usage: node scripts/lifecycle.mjs ${Object.keys(steps).join('|')}`);
step();
