/**
 * Named points in a run where the crash harness stops the process for real: after a trigger's transaction commits,
 * after a step's run is claimed (locked), before a step's effect commits, after an external send before its answer
 * is recorded, and mid-resume (a wait's job claimed). `RABITA_FAILPOINTS`, read once when the process starts, lists
 * them: `after-step-claim,before-effect-commit:3` kills the process (SIGKILL, no clean-up) at the first claim, or at
 * the third time it reaches `before-effect-commit`, whichever comes first. Unset (the product), a failpoint is one
 * check of an empty map.
 */
export const FAILPOINTS = [
  'after-trigger-commit',
  'after-step-claim',
  'before-effect-commit',
  'after-external-send',
  'mid-resume',
] as const;
export type FailpointName = (typeof FAILPOINTS)[number];

/** For each armed failpoint, the hit that kills (1 for the first). */
export type FailpointPlan = ReadonlyMap<FailpointName, number>;

/**
 * Reads a failpoint setting: names separated by commas, each optionally `:n` for its nth hit. An unknown name or a
 * count that is not a whole number from 1 is an error naming it (a harness that arms nothing proves nothing).
 */
export function parseFailpoints(text: string | undefined): FailpointPlan {
  const plan = new Map<FailpointName, number>();
  for (const part of (text ?? '').split(',')) {
    const item = part.trim();
    if (item === '') continue;
    const [name, count, ...rest] = item.split(':').map((s) => s.trim());
    if (!FAILPOINTS.includes(name as FailpointName))
      throw new Error(`RABITA_FAILPOINTS: "${name}" is not a failpoint (one of ${FAILPOINTS.join(', ')}).`);
    const nth = count === undefined ? 1 : Number(count);
    if (rest.length > 0 || !Number.isInteger(nth) || nth < 1)
      throw new Error(`RABITA_FAILPOINTS: "${item}" must be a failpoint name, optionally :n with n ≥ 1.`);
    plan.set(name as FailpointName, nth);
  }
  return plan;
}

let plan: FailpointPlan = parseFailpoints(process.env.RABITA_FAILPOINTS);
const hits = new Map<FailpointName, number>();
let kill = (): void => {
  process.kill(process.pid, 'SIGKILL');
};

/** Whether any failpoint is armed in this process (callers skip setting one up when none is). */
export function failpointsArmed(): boolean {
  return plan.size > 0;
}

/** Called at each named point: kills the process when this is the armed hit of an armed point, else nothing. */
export function failpoint(name: FailpointName): void {
  if (plan.size === 0) return;
  const nth = plan.get(name);
  if (nth === undefined) return;
  const hit = (hits.get(name) ?? 0) + 1;
  hits.set(name, hit);
  if (hit === nth) kill();
}

/**
 * Re-arms the failpoints (for unit tests of the counting): a setting as in RABITA_FAILPOINTS, and what "kill" does
 * instead of SIGKILL. Hit counts start again.
 */
export function armFailpoints(text: string | undefined, onKill?: () => void): void {
  plan = parseFailpoints(text);
  hits.clear();
  kill =
    onKill ??
    (() => {
      process.kill(process.pid, 'SIGKILL');
    });
}
