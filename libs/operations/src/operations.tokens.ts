/** The JobProducer operations are queued with. */
export const OPERATIONS_PRODUCER = Symbol('OPERATIONS_PRODUCER');
/** The LiveSignalPublisher (Redis) that wakes the live feeds of every API replica. */
export const OPERATIONS_SIGNALS = Symbol('OPERATIONS_SIGNALS');
/** The LiveSignalListener (a subscribed Redis connection) of this process. */
export const OPERATIONS_LISTENER = Symbol('OPERATIONS_LISTENER');

/** Where the dry run reads liveness and the detector's state (PlanSources). */
export const PLAN_SOURCES = Symbol('PLAN_SOURCES');
/** The process's `operations` Redis connection (RedisConnections): commands, the producer, the live signals. */
export const OPERATIONS_COMMANDS = Symbol('OPERATIONS_COMMANDS');
/** The resolved options of OperationsWorkerModule. */
export const OPERATIONS_WORKER_OPTIONS = Symbol('OPERATIONS_WORKER_OPTIONS');
