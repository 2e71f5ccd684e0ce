/** The states of an operation (start, stop, relocate, ...): the entity's column and the API's enum. */
export enum OperationState {
  /** Created and queued; no worker has taken it yet. */
  PENDING = 'PENDING',
  RUNNING = 'RUNNING',
  SUCCEEDED = 'SUCCEEDED',
  FAILED = 'FAILED',
  CANCELLED = 'CANCELLED',
}
