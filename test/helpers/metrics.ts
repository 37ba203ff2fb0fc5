import parsePrometheusTextFormat, { type PrometheusFamily } from 'parse-prometheus-text-format';

// GET /metrics as Prometheus reads it: the whole answer goes through a Prometheus text-format parser
// (which throws on a malformed line) for its families and types; single samples are read by name and
// labels from the sample lines themselves (that parser drops the labels of histogram samples).

export interface Scrape {
  text: string;
  families: PrometheusFamily[];
  /** the sample with exactly this name and at least these labels; 0 when there is none yet */
  value: (name: string, labels?: Record<string, string>) => number;
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

export async function scrape(url: string): Promise<Scrape> {
  const response = await fetch(`${url}/metrics`);
  if (response.status !== 200) throw new Error(`GET /metrics answered ${response.status}: ${await response.text()}`);
  const text = await response.text();
  const families = parsePrometheusTextFormat(text);
  const samples = text
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const [, name, labels = '', value] = SAMPLE.exec(line) ?? [];
      if (name === undefined) throw new Error(`not a sample line: ${line}`);
      return { name, labels: Object.fromEntries([...labels.matchAll(LABEL)].map((m) => [m[1], m[2]])), value: Number(value) };
    });
  const value = (name: string, labels: Record<string, string> = {}) =>
    samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value ?? 0;
  return { text, families, value };
}
