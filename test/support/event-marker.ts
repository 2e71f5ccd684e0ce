import type { EventType } from '@haaas/domain';

/**
 * A marker event type for a test (`test.t100`): the log stores any type, while the catalogue binds
 * the product's writers at compile time, so tests that tag their own events cast here, in one place.
 */
export function markerEventType(type: string): EventType {
  return type as EventType;
}
