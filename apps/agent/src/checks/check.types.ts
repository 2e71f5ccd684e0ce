/** A check's result as the heartbeat carries it. */
export interface CheckResult {
  readonly ok: boolean;
  readonly detail?: string;
  readonly address?: string;
}
