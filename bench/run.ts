// `npm run bench`: each benchmark measures omnimerge against a floor measured in the same run on the same
// database (the project's rule: ratios, never a timed unit test). Needs a PostgreSQL: BENCH_DATABASE_URL,
// else DATABASE_URL, else postgres://postgres@127.0.0.1:5432/test; each benchmark makes its own database.
// `npm run bench -- inbound` runs only the named ones.
import { inboundBench } from './inbound.js';
import { likelyBench } from './likely.js';
import { mergeBench } from './merge.js';
import { rulesBench } from './rules.js';
import { scaleOutBench } from './scale-out.js';

export interface Bench {
  name: string;
  run: (adminUrl: string) => Promise<void>;
}

const BENCHES: Bench[] = [inboundBench, mergeBench, rulesBench, scaleOutBench, likelyBench];

const adminUrl = process.env.BENCH_DATABASE_URL ?? process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const only = process.argv.slice(2);
for (const bench of BENCHES) {
  if (only.length > 0 && !only.includes(bench.name)) continue;
  console.log(`\n== ${bench.name}`);
  await bench.run(adminUrl);
}
