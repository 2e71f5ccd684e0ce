import * as Ops from '../generated/graphql.js';
import type { EventObjectTypes, EventType } from '../generated/event-types.js';
import { type ListOptions, Paginated, splitListParams } from '../paginate.js';
import type { RequestOptions } from '../transport.js';
import type { ClusterEvent, EventTypeInfo } from '../types.js';
import { Namespace } from './namespace.base.js';

/** The log's filter with the catalogue's types, so a misspelt type fails to compile (the API refuses it too). */
export type EventListFilter = Omit<Ops.EventFilter, 'types' | 'objectType'> & {
  readonly types?: readonly EventType[] | null;
  readonly objectType?: EventObjectTypes[EventType] | null;
};

/** The cluster log. */
export class EventsApi extends Namespace {
  /** A cluster's log, newest first, filtered (types of the catalogue, node, service, object type, time range). */
  list(params: { readonly clusterId: string } & EventListFilter & ListOptions, options?: ListOptions): Paginated<ClusterEvent> {
    const split = splitListParams<{ clusterId: string } & EventListFilter>(params, options);
    const { clusterId, types, ...rest } = split.filter;
    return this.paginate(Ops.ListClusterEventsDocument, { clusterId, filter: { ...rest, types: types == null ? types : [...types] } }, (r) => r.clusterLog, split.options) as Paginated<ClusterEvent>;
  }

  /** The log's event types (the catalogue: no other type is written), with what each means. */
  async types(options?: RequestOptions): Promise<EventTypeInfo[]> {
    return (await this.request(Ops.ListEventTypesDocument, {}, options)).eventTypes;
  }
}
