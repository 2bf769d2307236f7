/**
 * Named points in a run where a crash harness may stop the process (after the trigger commits, after a step is
 * claimed, before an effect commits, after an external send before it is recorded). A no-op in the product; the
 * harness replaces it.
 */
export type FailpointName =
  | 'after-trigger-commit'
  | 'after-step-claim'
  | 'before-effect-commit'
  | 'after-external-send';

let hook: ((name: FailpointName) => void) | undefined;

/** Called at each named point; does nothing unless a harness installed a hook. */
export function failpoint(name: FailpointName): void {
  hook?.(name);
}

/** Installs (or removes, with undefined) the harness's hook. */
export function setFailpointHook(fn: ((name: FailpointName) => void) | undefined): void {
  hook = fn;
}
