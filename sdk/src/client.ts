import { GetViewerDocument } from './generated/graphql.js';
import {
  ClustersApi,
  EventsApi,
  FailoverDomainsApi,
  FenceAgentsApi,
  FencingDevicesApi,
  IncidentsApi,
  type NamespaceContext,
  NodesApi,
  OperationsApi,
  ResourcesApi,
  ServicesApi,
  SubscriptionsApi,
  TenantsApi,
  type WaitForOperationOptions,
  WebhooksApi,
} from './namespaces.js';
import { SubscriptionTransport } from './subscriptions.js';
import { type FetchLike, type GraphQLDocument, type RequestHooks, type RequestOptions, type RetryOptions, type TokenKind, type TokenProvider, Transport } from './transport.js';
import { type DebugOption, withDebug } from './debug-log.js';
import type { Operation, Viewer } from './types.js';

export interface HaaasClientOptions {
  /** The API: its origin (`https://haaas.example.com`, `/graphql` is added) or the GraphQL endpoint itself. */
  readonly url: string;
  /** A bearer token, or a callback returning one (called before each request; see {@link TokenContext}). */
  readonly token: TokenProvider;
  /** `keystone`: the token is a Keystone token, sent as `X-Auth-Token` (see {@link keystoneTokenProvider}); default `jwt`. */
  readonly tokenKind?: TokenKind;
  /** Platform admins: act in this tenant (sent as `X-HAaaS-Tenant`). */
  readonly tenant?: string;
  /** A fetch implementation (default: the global one). */
  readonly fetch?: FetchLike;
  /** Retries of queries (never mutations); `false` disables them. Default: 3 retries, 200 ms doubling to 5 s. */
  readonly retry?: RetryOptions | false;
  /** Time limit of one HTTP attempt (default 30 s). */
  readonly timeoutMs?: number;
  /** Called around each HTTP attempt: logging, metrics, tracing headers (see {@link RequestHooks}). */
  readonly hooks?: RequestHooks;
  /**
   * A line per HTTP attempt (operation, attempt, status, time, request id, error code; never the
   * token, variables or answers): `true` writes to standard error, a function gets each line.
   */
  readonly debug?: DebugOption;
  /** Extra headers on every request. */
  readonly headers?: Readonly<Record<string, string>>;
  /** Rows per page of `list()` (default 100, at most 500). */
  readonly pageSize?: number;
  /** WebSocket URL for subscriptions (default: the endpoint with ws:// or wss://). */
  readonly subscriptionUrl?: string;
  /** WebSocket class where there is no global one (Node 20: `import WebSocket from 'ws'`). */
  readonly webSocketImpl?: unknown;
}

/** Arguments after the document: variables are optional only when the operation has no required ones. */
export type VariablesArgs<TVariables> = Record<string, never> extends TVariables
  ? [variables?: TVariables, options?: RequestOptions]
  : [variables: TVariables, options?: RequestOptions];

/**
 * The HAaaS API client.
 *
 * ```ts
 * const client = new HaaasClient({ url: 'https://haaas.example.com', token: process.env.HAAAS_TOKEN! });
 * const cluster = await client.clusters.create({ name: 'east', hypervisor: 'KVM' });
 * for await (const node of client.nodes.list({ clusterId: cluster.id })) console.log(node.hostname);
 * ```
 */
export class HaaasClient {
  /** Clusters: create, read, list, update, attributes, destroy. */
  readonly clusters: ClustersApi;
  /** Nodes: join, read, list, update, attributes, maintenance, leave, probe, agent tokens, fencing topology. */
  readonly nodes: NodesApi;
  /** Resources (VM, IP, application, volume). */
  readonly resources: ResourcesApi;
  /** Services (resource groups) and their policies and resources. */
  readonly services: ServicesApi;
  /** Failover domains. */
  readonly failoverDomains: FailoverDomainsApi;
  /** Fencing devices, their node associations and tests. */
  readonly fencingDevices: FencingDevicesApi;
  /** Fencing device types (fence agents and built-in ones). */
  readonly fenceAgents: FenceAgentsApi;
  /** The cluster log. */
  readonly events: EventsApi;
  /** Tenants and quotas (platform admins). */
  readonly tenants: TenantsApi;
  /** Operations (what the actions return): read, list, wait for. */
  readonly operations: OperationsApi;
  /** Incidents (host failures and their recovery). */
  readonly incidents: IncidentsApi;
  /** Live updates over graphql-ws: `clusterEvents`, `operationUpdated`. */
  readonly subscriptions: SubscriptionsApi;
  /** Outbound webhooks of clusters and their delivery log. */
  readonly webhooks: WebhooksApi;

  private readonly transport: Transport;
  private readonly live: SubscriptionTransport;

  // ES private (see Transport): the options hold the token
  readonly #options: HaaasClientOptions;

  constructor(options: HaaasClientOptions) {
    this.#options = options;
    const endpoint = graphqlEndpoint(options.url);
    this.transport = new Transport({
      endpoint,
      token: options.token,
      fetch: options.fetch,
      retry: options.retry,
      timeoutMs: options.timeoutMs,
      headers: options.headers,
      tenant: options.tenant,
      tokenKind: options.tokenKind,
      hooks: withDebug(options.hooks, options.debug),
    });
    this.live = new SubscriptionTransport(this.transport, {
      url: options.subscriptionUrl ?? endpoint.replace(/^http/, 'ws'),
      webSocketImpl: options.webSocketImpl,
    });
    const ctx: NamespaceContext = { transport: this.transport, live: this.live, pageSize: Math.min(500, Math.max(1, options.pageSize ?? 100)) };
    this.clusters = new ClustersApi(ctx);
    this.nodes = new NodesApi(ctx);
    this.resources = new ResourcesApi(ctx);
    this.services = new ServicesApi(ctx);
    this.failoverDomains = new FailoverDomainsApi(ctx);
    this.fencingDevices = new FencingDevicesApi(ctx);
    this.fenceAgents = new FenceAgentsApi(ctx);
    this.events = new EventsApi(ctx);
    this.tenants = new TenantsApi(ctx);
    this.operations = new OperationsApi(ctx);
    this.incidents = new IncidentsApi(ctx);
    this.subscriptions = new SubscriptionsApi(ctx);
    this.webhooks = new WebhooksApi(ctx);
  }

  /** What `JSON.stringify(client)` shows: the endpoint and tenant, never the token or headers. */
  toJSON(): { endpoint: string; tenant: string | undefined } {
    return { endpoint: this.endpoint, tenant: this.#options.tenant };
  }

  /** What `util.inspect(client)` and `console.log(client)` show (the same as toJSON). */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `HaaasClient ${JSON.stringify(this.toJSON())}`;
  }

  /** The GraphQL endpoint requests go to. */
  get endpoint(): string {
    return this.transport.endpoint;
  }

  /** Who is calling: token subject, roles, and the tenant with its quota and usage. */
  async viewer(options?: RequestOptions): Promise<Viewer> {
    return (await this.transport.request(GetViewerDocument, {}, options)).viewer;
  }

  /** Waits until an operation ends; see {@link OperationsApi.wait}. */
  waitForOperation(id: string, options?: WaitForOperationOptions): Promise<Operation> {
    return this.operations.wait(id, options);
  }

  /**
   * Sends any typed document (e.g. an exported `*Document`, or your own from GraphQL Code
   * Generator) with the client's token, retries and typed errors.
   */
  request<TResult, TVariables>(document: GraphQLDocument<TResult, TVariables>, ...[variables, options]: VariablesArgs<TVariables>): Promise<TResult> {
    return this.transport.request(document, variables, options);
  }

  /**
   * Subscribes with any typed subscription document over graphql-ws (an optional peer dependency).
   * Breaking out of the loop, or aborting `signal`, unsubscribes; GraphQL errors end it with their typed error.
   */
  subscribe<TResult, TVariables>(document: GraphQLDocument<TResult, TVariables>, ...[variables, options]: VariablesArgs<TVariables>): AsyncGenerator<TResult, void, undefined> {
    return this.live.subscribe(document, variables as TVariables, options);
  }

  /** A client for the same API acting in another tenant (platform admins). */
  forTenant(tenant: string): HaaasClient {
    return new HaaasClient({ ...this.#options, tenant });
  }

  /** Closes the subscriptions' WebSockets, if any are open. HTTP needs no closing. */
  close(): Promise<void> {
    return this.live.close();
  }
}

/** The GraphQL endpoint for a URL given as the API's origin or as the endpoint itself. */
export function graphqlEndpoint(url: string): string {
  const u = new URL(url);
  if (u.pathname === '/' || u.pathname === '') u.pathname = '/graphql';
  return u.toString().replace(/\/$/, '');
}
