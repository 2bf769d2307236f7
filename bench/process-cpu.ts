// CPU time of a process and everything it started (the app and its drivers, the embedded PostgreSQL, Chromium,
// Kamailio…), by program, read from /proc: what a run cost the machine whatever else was running on it. Linux only;
// elsewhere it reads nothing.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';

let ticksPerSecond: number | undefined;
function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

const read = (file: string) => {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return '';
  }
};

/** Seconds of CPU (user + system) used so far by `root` and its descendants alive now, summed by program name. */
export function cpuByProgram(root: number = process.pid): Record<string, number> {
  const seconds: Record<string, number> = {};
  const seen = new Set<number>();
  const visit = (pid: number) => {
    if (seen.has(pid)) return;
    seen.add(pid);
    const stat = read(`/proc/${pid}/stat`);
    const close = stat.lastIndexOf(')');
    if (close < 0) return;
    const name = stat.slice(stat.indexOf('(') + 1, close);
    // After the name: state is field 3, utime and stime fields 14 and 15.
    const fields = stat.slice(close + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    const program = pid === root ? 'this process' : name;
    seconds[program] = (seconds[program] ?? 0) + ticks / clockTicks();
    let tasks: string[] = [];
    try {
      tasks = fs.readdirSync(`/proc/${pid}/task`);
    } catch {
      // the process ended while read
    }
    for (const task of tasks)
      for (const child of read(`/proc/${pid}/task/${task}/children`).split(' ').filter(Boolean))
        visit(Number(child));
  };
  visit(root);
  return seconds;
}

/** What each program used between two readings, in CPU seconds and in cores over `wallSeconds`. */
export function cpuBetween(
  before: Record<string, number>,
  after: Record<string, number>,
  wallSeconds: number,
): Record<string, { cpuSeconds: number; cores: number }> {
  const out: Record<string, { cpuSeconds: number; cores: number }> = {};
  for (const [program, total] of Object.entries(after)) {
    const used = total - (before[program] ?? 0);
    if (used <= 0) continue;
    out[program] = {
      cpuSeconds: Math.round(used * 100) / 100,
      cores: Math.round((used / wallSeconds) * 100) / 100,
    };
  }
  return out;
}
