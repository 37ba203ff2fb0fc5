import { readdirSync, readFileSync } from 'node:fs';

// Where the machine's CPU went while a figure was measured, from Linux's /proc: the server process (its
// threads included), the PostgreSQL processes, this bench process (the load generator), the rest, and
// what stayed idle. Shares are of one core (two cores: at most 200 %). Processes that end within the
// window (pgbench's own connections) are not counted; idle still is. Elsewhere than Linux: nothing.

export interface CpuSplit {
  server: number;
  postgres: number;
  bench: number;
  other: number;
  idle: number;
}

const TICKS_PER_SECOND = 100;

function ticksOf(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return Number(fields[11]) + Number(fields[12]); // utime + stime
  } catch {
    return 0; // ended meanwhile
  }
}

function commandOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return '';
  }
}

function snapshot(serverPid: number | undefined): Record<keyof CpuSplit, number> {
  const split = { server: 0, postgres: 0, bench: 0, other: 0, idle: 0 };
  const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0].split(/\s+/).slice(1).map(Number);
  split.idle = cpu[3] + cpu[4]; // idle + iowait
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    const ticks = ticksOf(pid);
    if (pid === serverPid) split.server += ticks;
    else if (pid === process.pid) split.bench += ticks;
    else if (commandOf(pid).startsWith('postgres')) split.postgres += ticks;
    else split.other += ticks;
  }
  return split;
}

/** Runs `work` and answers its result with the CPU split of the machine meanwhile (undefined off Linux). */
export async function withCpuSplit<T>(serverPid: number | undefined, work: () => Promise<T>): Promise<{ result: T; cpu?: CpuSplit }> {
  let before: Record<keyof CpuSplit, number> | undefined;
  try {
    before = snapshot(serverPid);
  } catch {
    return { result: await work() };
  }
  const started = performance.now();
  const result = await work();
  const after = snapshot(serverPid);
  const seconds = (performance.now() - started) / 1000;
  const share = (key: keyof CpuSplit) => Math.round(((after[key] - before![key]) / TICKS_PER_SECOND / seconds) * 100);
  return { result, cpu: { server: share('server'), postgres: share('postgres'), bench: share('bench'), other: share('other'), idle: share('idle') } };
}

export const describeCpu = (cpu: CpuSplit | undefined): string =>
  cpu ? `server ${cpu.server} %, PostgreSQL ${cpu.postgres} %, bench process ${cpu.bench} %, other ${cpu.other} %, idle ${cpu.idle} % (of one core)` : 'CPU split not available (no /proc)';
