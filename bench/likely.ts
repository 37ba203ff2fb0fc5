// `npm run bench -- likely`: docs/likely-duplicates.md at size, on PostgreSQL. BENCH_LIKELY_ROWS contacts
// (default 1,000,000): people with names in Latin or Cyrillic, phones, e-mails, a city and a company,
// and a known planted set of near-duplicates (2% of the rows), each a copy of an earlier person changed
// in one of five ways:
// - translit+swap: the name in the other script, two adjacent phone digits swapped
// - gmail: the same name, the gmail address written with dots and a +tag
// - translit+vars: the name in the other script, no phone or e-mail, the same city and company
// - typo+digit: one letter of the name changed, one phone digit changed (hard: expected below threshold)
// - other-domain: the same name, the same e-mail local part at another provider (hard: expected below)
// Reports: the whole-base pass (POST /v1/dedupe {"likely": true}) time, precision and recall of its
// suggestions against the planted pairs at the default threshold, and p50/p99 of GET /v1/contacts/{id}/duplicates
// over HTTP (sequential requests for random contacts).
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { DEFAULT_SENDING } from '../src/events/outgoing.js';
import { buildServer } from '../src/http/server.js';
import { newId } from '../src/ids.js';
import { openStore } from '../src/store/database.js';
import { createProject } from '../src/usecases/create-project.js';
import { suggestLikelyDuplicates } from '../src/usecases/suggest-likely-duplicates.js';
import { freshDatabase } from './lib/database.js';
import type { Bench } from './run.js';

const ROWS = Number(process.env.BENCH_LIKELY_ROWS ?? 1_000_000);
const PLANTED_SHARE = 0.02;
const LOOKUPS = Number(process.env.BENCH_LIKELY_LOOKUPS ?? 1000);

/** mulberry32: a seeded generator with 2^32 states, so each run plants the same set. */
let seed = 17;
function random(): number {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
}
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];

// Names built from syllables written both ways, so a person's two spellings are known without the
// transliteration table under test (the Latin side is written as people do: x, y, iy, …).
const FIRST: ReadonlyArray<readonly [string, string]> = [
  ['Алексей', 'Alexey'], ['Мария', 'Mariya'], ['Дмитрий', 'Dmitry'], ['Наталья', 'Natalya'], ['Сергей', 'Sergey'], ['Юлия', 'Yulia'],
  ['Андрей', 'Andrey'], ['Ольга', 'Olga'], ['Евгений', 'Evgeny'], ['Татьяна', 'Tatyana'], ['Максим', 'Maxim'], ['Ксения', 'Xenia'],
  ['Михаил', 'Mikhail'], ['Анна', 'Anna'], ['Юрий', 'Yuri'], ['Екатерина', 'Ekaterina'], ['Николай', 'Nikolay'], ['Светлана', 'Svetlana'],
  ['Игорь', 'Igor'], ['Елена', 'Elena'], ['Владимир', 'Vladimir'], ['Ирина', 'Irina'], ['Артём', 'Artyom'], ['Дарья', 'Darya'],
  ['Павел', 'Pavel'], ['Вера', 'Vera'], ['Григорий', 'Grigory'], ['Людмила', 'Lyudmila'], ['Фёдор', 'Fedor'], ['Софья', 'Sofya'],
];
const SYLLABLES: ReadonlyArray<readonly [string, string]> = [
  ['ка', 'ka'], ['ли', 'li'], ['мо', 'mo'], ['ре', 're'], ['за', 'za'], ['ни', 'ni'], ['шу', 'shu'], ['ва', 'va'], ['до', 'do'], ['бе', 'be'],
  ['жу', 'zhu'], ['ха', 'kha'], ['ты', 'ty'], ['че', 'che'], ['по', 'po'], ['ру', 'ru'], ['са', 'sa'], ['ле', 'le'], ['го', 'go'], ['фи', 'fi'],
  ['ми', 'mi'], ['на', 'na'], ['то', 'to'], ['ву', 'vu'], ['зе', 'ze'], ['ки', 'ki'], ['бо', 'bo'], ['ла', 'la'], ['ще', 'shche'], ['цы', 'tsy'],
];
const ENDINGS: ReadonlyArray<readonly [string, string]> = [['ов', 'ov'], ['ев', 'ev'], ['ин', 'in'], ['ский', 'sky'], ['енко', 'enko'], ['ук', 'uk']];
const CITIES = ['Moscow', 'Kazan', 'Riga', 'Almaty', 'Tbilisi', 'Minsk', 'Yerevan', 'Berlin', 'Vilnius', 'Tallinn', 'Baku', 'Tashkent', 'Bishkek', 'Novosibirsk', 'Samara', 'Perm', 'Omsk', 'Ufa', 'Sochi', 'Tomsk'];
const DOMAINS = ['gmail.com', 'yandex.ru', 'mail.ru', 'example.com', 'outlook.com'];

interface Person {
  id: string;
  name: string;
  nameOther: string;
  latin: string;
  phone: string | null;
  email: string | null;
  variables: Record<string, string>;
  createdAt: Date;
}

function person(index: number, start: number): Person {
  const first = pick(FIRST);
  const parts = [pick(SYLLABLES), pick(SYLLABLES), pick(SYLLABLES), pick(ENDINGS)];
  const lastCyr = parts.map((p) => p[0]).join('');
  const lastLat = parts.map((p) => p[1]).join('');
  const cyr = `${first[0]} ${lastCyr[0].toUpperCase()}${lastCyr.slice(1)}`;
  const lat = `${first[1]} ${lastLat[0].toUpperCase()}${lastLat.slice(1)}`;
  const cyrillicFirst = random() < 0.5;
  const hasPhone = random() < 0.85;
  const hasEmail = random() < 0.7;
  const variables: Record<string, string> = {};
  if (random() < 0.6) variables.city = pick(CITIES);
  if (random() < 0.5) variables.company = `Company ${Math.floor(random() * 20_000)}`;
  const local = `${first[1].toLowerCase()}.${lastLat.toLowerCase()}${Math.floor(random() * 1000)}`;
  return {
    id: newId(),
    name: cyrillicFirst ? cyr : lat,
    nameOther: cyrillicFirst ? lat : cyr,
    latin: lat,
    phone: hasPhone ? `+79${String(Math.floor(random() * 1e9)).padStart(9, '0')}` : null,
    email: hasEmail ? `${local}@${pick(DOMAINS)}` : null,
    variables,
    createdAt: new Date(start + index * 1000),
  };
}

type Kind = 'translit+swap' | 'gmail' | 'translit+vars' | 'typo+digit' | 'other-domain';
const KINDS: Array<[Kind, number]> = [['translit+swap', 0.3], ['gmail', 0.25], ['translit+vars', 0.25], ['typo+digit', 0.1], ['other-domain', 0.1]];

function plant(base: Person, index: number, start: number): { dup: Person; kind: Kind } {
  let r = random();
  const kind = KINDS.find(([, share]) => (r -= share) < 0)?.[0] ?? 'translit+swap';
  const dup: Person = { ...base, id: newId(), variables: {}, createdAt: new Date(start + index * 1000) };
  const phone = base.phone ?? `+79${String(Math.floor(random() * 1e9)).padStart(9, '0')}`;
  const local = base.latin.toLowerCase().replace(' ', '.') + Math.floor(random() * 100);
  switch (kind) {
    case 'translit+swap': {
      const i = 4 + Math.floor(random() * 7); // digits after +79
      const swapped = phone.slice(0, i) + phone[i + 1] + phone[i] + phone.slice(i + 2);
      if (swapped === phone) return plant(base, index, start);
      base.phone = phone;
      Object.assign(dup, { name: base.nameOther, phone: swapped, email: null });
      break;
    }
    case 'gmail':
      base.email = `${local}@gmail.com`;
      Object.assign(dup, { phone: null, email: `${local.replaceAll('.', '')}+crm@gmail.com` });
      break;
    case 'translit+vars':
      base.variables = { city: pick(CITIES), company: `Company ${Math.floor(random() * 20_000)}` };
      Object.assign(dup, { name: base.nameOther, phone: null, email: null, variables: { ...base.variables } });
      break;
    case 'typo+digit': {
      const i = 4 + Math.floor(random() * 8);
      const digit = String((Number(phone[i]) + 1) % 10);
      base.phone = phone;
      const n = 2 + Math.floor(random() * (base.name.length - 3));
      Object.assign(dup, { name: base.name.slice(0, n) + (base.name[n] === 'a' ? 'o' : 'a') + base.name.slice(n + 1), phone: phone.slice(0, i) + digit + phone.slice(i + 1), email: null });
      break;
    }
    case 'other-domain':
      base.email = `${local}@yandex.ru`;
      Object.assign(dup, { phone: null, email: `${local}@mail.ru` });
      break;
  }
  return { dup, kind };
}

function csvField(value: string | null): string {
  if (value === null) return '\\N';
  return value.replace(/[\\\t\n]/g, (c) => ({ '\\': '\\\\', '\t': '\\t', '\n': '\\n' })[c]!);
}

const LIKELY_INDEXES = [
  "contacts_likely_name ON contacts (project_id, omnimerge_name_key(name)) WHERE state = 'active' AND name IS NOT NULL",
  "contacts_likely_email ON contacts (project_id, omnimerge_email_key(email)) WHERE state = 'active' AND email IS NOT NULL",
  "contacts_likely_phone ON contacts (project_id, right(phone, 7)) WHERE state = 'active' AND phone IS NOT NULL",
];

const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

export const likelyBench: Bench = {
  name: 'likely',
  run: async (adminUrl) => {
    const db = await freshDatabase(adminUrl, process.env.BENCH_LIKELY_DATABASE ?? 'bench_likely');
    const store = await openStore({ databaseUrl: db.url, poolSize: 4 });
    try {
      const { project_id: projectId, api_key: apiKey } = await createProject(store, 'likely bench');
      // the people and the planted pairs, loaded with COPY; the blocking indexes are built after the load
      const start = Date.now() - ROWS * 1000;
      const people: Person[] = [];
      const truth = new Map<string, Kind>(); // `low|high` → how the duplicate was made
      const client = new pg.Client({ connectionString: db.url });
      await client.connect();
      for (const index of LIKELY_INDEXES) await client.query(`DROP INDEX ${index.split(' ')[0]}`);
      const rows: string[] = [];
      for (let i = 0; i < ROWS; i++) {
        if (people.length > 1000 && random() < PLANTED_SHARE) {
          const base = people[Math.floor(random() * people.length)];
          if ((base as { planted?: boolean }).planted) continue;
          const { dup, kind } = plant(base, i, start);
          (base as { planted?: boolean }).planted = true;
          truth.set(base.id < dup.id ? `${base.id}|${dup.id}` : `${dup.id}|${base.id}`, kind);
          people.push(dup);
          (dup as { planted?: boolean }).planted = true;
        } else {
          people.push(person(i, start));
        }
      }
      for (const p of people) {
        rows.push([projectId, p.id, p.name, p.phone, p.email, JSON.stringify(p.variables), p.createdAt.toISOString()].map(csvField).join('\t'));
      }
      let started = performance.now();
      const copy = client.query(copyFrom('COPY contacts (project_id, id, name, phone, email, variables, created_at) FROM STDIN'));
      for (let i = 0; i < rows.length; i += 10_000) {
        if (!copy.write(rows.slice(i, i + 10_000).join('\n') + '\n')) await new Promise((r) => copy.once('drain', r));
      }
      await new Promise<void>((resolve, reject) => copy.end(() => resolve()).on('error', reject));
      const loadMs = performance.now() - started;
      started = performance.now();
      for (const index of LIKELY_INDEXES) await client.query(`CREATE INDEX ${index}`);
      await client.query('ANALYZE contacts');
      const indexMs = performance.now() - started;
      await client.end();
      console.log(`contacts: ${people.length.toLocaleString('en')} (${truth.size.toLocaleString('en')} planted near-duplicate pairs); COPY ${s(loadMs)}, blocking indexes ${s(indexMs)}`);

      // the whole-base pass
      started = performance.now();
      const report = await suggestLikelyDuplicates(store, projectId);
      const passMs = performance.now() - started;
      const { rows: suggested } = await store.db
        .selectFrom('merge_suggestions')
        .select(['pair_low', 'pair_high'])
        .where('project_id', '=', projectId)
        .where('kind', '=', 'likely')
        .execute()
        .then((r) => ({ rows: r }));
      const found = new Set(suggested.map((r) => `${r.pair_low}|${r.pair_high}`));
      const truePositives = [...found].filter((p) => truth.has(p)).length;
      const precision = found.size === 0 ? 1 : truePositives / found.size;
      const recall = truePositives / truth.size;
      console.log(`whole-base pass (threshold ${report.threshold}): ${s(passMs)}; ${report.pairs_compared.toLocaleString('en')} candidate pairs scored, ${report.suggestions_created.toLocaleString('en')} suggestions, ${report.groups_skipped} blocking groups skipped`);
      console.log(`  precision ${precision.toFixed(4)} (${truePositives}/${found.size}), recall ${recall.toFixed(4)} (${truePositives}/${truth.size}) (aim: precision ≥ 0.95)`);
      for (const [kind] of KINDS) {
        const planted = [...truth].filter(([, k]) => k === kind).map(([p]) => p);
        const hit = planted.filter((p) => found.has(p)).length;
        console.log(`  recall of ${kind.padEnd(14)} ${(hit / Math.max(1, planted.length)).toFixed(3)} (${hit}/${planted.length})`);
      }

      // GET /v1/contacts/{id}/duplicates over HTTP, one request at a time, half of them for planted contacts
      const app = await buildServer({ store, logger: false, sending: { ...DEFAULT_SENDING, projects: new Set() } });
      await app.listen({ port: 0, host: '127.0.0.1' });
      const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
      const plantedIds = [...truth.keys()].map((p) => p.split('|')[0]);
      const headers = { authorization: `Bearer ${apiKey}` };
      const times: number[] = [];
      for (let i = 0; i < LOOKUPS + 50; i++) {
        const id = i % 2 === 0 ? pick(plantedIds) : pick(people).id;
        const t = performance.now();
        const answer = await fetch(`${base}/v1/contacts/${id}/duplicates`, { headers });
        await answer.json();
        if (!answer.ok) throw new Error(`GET duplicates answered ${answer.status}`);
        if (i >= 50) times.push(performance.now() - t); // the first 50 warm the caches
      }
      await app.close();
      times.sort((a, b) => a - b);
      const q = (f: number) => times[Math.min(times.length - 1, Math.floor(f * times.length))].toFixed(1);
      console.log(`GET /v1/contacts/{id}/duplicates, ${times.length} sequential requests: p50 ${q(0.5)} ms, p99 ${q(0.99)} ms, max ${q(1)} ms (aim p99 < 50 ms)`);
    } finally {
      await store.close();
      if (!process.env.BENCH_KEEP) await db.drop();
    }
  },
};
