import type * as Ops from '../generated/graphql.js';
import type { Operation } from '../types.js';

const FINAL_STATES: ReadonlySet<string> = new Set<Ops.OperationState>(['SUCCEEDED', 'FAILED', 'CANCELLED']);

/** True once an operation has ended (SUCCEEDED, FAILED or CANCELLED). */
export function isOperationFinished(operation: Pick<Operation, 'state'>): boolean {
  return FINAL_STATES.has(operation.state);
}
