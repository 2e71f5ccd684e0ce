/**
 * The resource actions contract, as the agent sees it. The API's copy is in @haaas/node-actions
 * (node-actions/node-action.types.ts) and @haaas/agent-api; the agent does not import them, to stay
 * a plain Node program without NestJS. The end-to-end test runs this agent against that API.
 */
export type ActionKind = 'start' | 'stop' | 'monitor';
export type ActionResourceType = 'IP' | 'APPLICATION' | 'VOLUME';
export const ACTION_RESOURCE_TYPES: readonly ActionResourceType[] = ['IP', 'APPLICATION', 'VOLUME'];

export interface AgentAction {
  readonly id: string;
  readonly kind: ActionKind;
  readonly resource: { readonly id: string; readonly name: string; readonly type: ActionResourceType; readonly spec: Readonly<Record<string, unknown>> };
  /** Time left for the action (ms): its deadline on this host. */
  readonly timeoutMs: number;
}

export type ActionOutcome = 'DONE' | 'ALREADY' | 'FAILED' | 'TIMED_OUT' | 'DISABLED';

export interface ActionResult {
  readonly ok: boolean;
  readonly outcome: ActionOutcome;
  readonly exitCode: number | null;
  /** One line: what was done or why not. */
  readonly detail: string;
  /** The end of the deciding command's stderr, redacted. */
  readonly stderr?: string;
  readonly latencyMs: number;
}

/** What an executor returns; the runner adds the latency. */
export type ExecutorResult = Omit<ActionResult, 'latencyMs'>;
