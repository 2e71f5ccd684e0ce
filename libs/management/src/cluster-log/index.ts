export { EventLogService, checkEventFilter, MAX_EVENT_TYPES_IN_FILTER } from './event-log.service';
export type { EventFilter } from './event-log.service';
export { uuidv7Time } from './event-range.util';
