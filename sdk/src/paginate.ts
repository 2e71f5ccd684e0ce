/** One page of a Relay connection. */
export interface Page<T> {
  readonly items: readonly T[];
  readonly hasNextPage: boolean;
  /** Pass as `after` to continue after this page. */
  readonly endCursor: string | null;
}

/** Paging options of every `list()`. */
export interface ListOptions {
  /** Rows per request, 1-500 (default: the client's `pageSize`, 100). */
  readonly pageSize?: number;
  /** Start after this cursor (an `endCursor` of an earlier page). */
  readonly after?: string | null;
  /** Stop after this many rows in total. */
  readonly limit?: number;
  /** Aborts the pending page request. */
  readonly signal?: AbortSignal;
}

/** The keys of {@link ListOptions}, to split them from the filter fields given in the same object. */
const LIST_OPTION_KEYS = ['pageSize', 'after', 'limit', 'signal'] as const;

/**
 * Splits `list(filter, options)`'s arguments into the filter and the list options, which may also
 * come in the first object (the older form, kept); filter fields left undefined are dropped.
 */
export function splitListParams<F extends object>(params: (F & ListOptions) | undefined, extra?: ListOptions): { filter: F; options: ListOptions } {
  const filter: Record<string, unknown> = {};
  const options: Record<string, unknown> = {};
  for (const [k, v] of [...Object.entries(params ?? {}), ...Object.entries(extra ?? {})]) {
    if ((LIST_OPTION_KEYS as readonly string[]).includes(k)) options[k] = v;
    else if (v !== undefined) filter[k] = v;
  }
  return { filter: filter as F, options: options as ListOptions };
}

/** @internal */
export type PageFetcher<T> = (page: { first: number; after: string | null; signal: AbortSignal | undefined }) => Promise<Page<T>>;

/**
 * The rows of a Relay connection as an async iterable. Nothing is fetched until iteration starts;
 * each further page is fetched (with `first`/`after`) only when the previous one is used up, so a
 * loop that breaks early costs only the pages it read.
 *
 * ```ts
 * for await (const node of client.nodes.list({ clusterId })) console.log(node.hostname);
 * ```
 */
export class Paginated<T> implements AsyncIterable<T> {
  /** @internal made by the namespaces' `list()` */
  constructor(
    private readonly fetchPage: PageFetcher<T>,
    private readonly options: ListOptions & { readonly pageSize: number },
  ) {}

  /** The pages one by one (each one request). */
  async *pages(): AsyncGenerator<Page<T>, void, undefined> {
    let after = this.options.after ?? null;
    let remaining = this.options.limit ?? Number.POSITIVE_INFINITY;
    while (remaining > 0) {
      const first = Math.min(this.options.pageSize, remaining);
      const page = await this.fetchPage({ first, after, signal: this.options.signal });
      const items = page.items.length > remaining ? page.items.slice(0, remaining) : page.items;
      remaining -= items.length;
      yield { ...page, items };
      if (!page.hasNextPage || !page.endCursor || items.length === 0) return;
      after = page.endCursor;
    }
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<T, void, undefined> {
    for await (const page of this.pages()) yield* page.items;
  }

  /** Every row (mind `limit` on long lists). */
  async toArray(): Promise<T[]> {
    const out: T[] = [];
    for await (const item of this) out.push(item);
    return out;
  }

  /** The first row, or undefined; fetches one row only. */
  async first(): Promise<T | undefined> {
    const limited = new Paginated(this.fetchPage, { ...this.options, pageSize: 1, limit: 1 });
    for await (const item of limited) return item;
    return undefined;
  }
}

/** A Relay connection as the generated operations return it. */
export interface Connection<T> {
  readonly nodes: readonly T[];
  readonly pageInfo: { readonly hasNextPage: boolean; readonly endCursor: string | null };
}

export function toPage<T>(connection: Connection<T>): Page<T> {
  return { items: connection.nodes, hasNextPage: connection.pageInfo.hasNextPage, endCursor: connection.pageInfo.endCursor };
}
