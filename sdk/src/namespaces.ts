/**
 * The namespaces of {@link HaaasClient}: one class per kind of object (in src/namespaces/, a file per
 * area), each method one GraphQL operation of src/operations. Methods mirror the API: mutations
 * that take an `input` object take it as is; those with separate arguments take them positionally.
 */
export type { ActionOptions, ForceOptions, NamespaceContext } from './namespaces/namespace.base.js';
export { ClustersApi, NodesApi, ResourcesApi } from './namespaces/inventory.api.js';
export { FailoverDomainsApi, ServicesApi } from './namespaces/services.api.js';
export { FenceAgentsApi, FencingDevicesApi } from './namespaces/fencing.api.js';
export { EventsApi, type EventListFilter } from './namespaces/events.api.js';
export { SubscriptionsApi } from './namespaces/subscriptions.api.js';
export { TenantsApi } from './namespaces/tenants.api.js';
export { WebhooksApi } from './namespaces/webhooks.api.js';
export { IncidentsApi, OperationsApi, type WaitForOperationOptions } from './namespaces/operations.api.js';
export { isOperationFinished } from './namespaces/operation-state.util.js';
