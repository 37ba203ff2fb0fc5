// Background workers read their timings from the environment the same way (docs/events.md, docs/messengers.md).

/** A positive number of milliseconds from `env[name]`; `fallback` when unset or empty; an error naming the variable otherwise. */
export function millisecondsFromEnv(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const text = env[name];
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number of milliseconds, not "${text}"`);
  return value;
}
