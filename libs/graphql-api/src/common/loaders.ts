import DataLoader from 'dataloader';

/**
 * Per-request DataLoaders, created on first use. A loader is keyed by a name and the arguments of
 * the field (e.g. `first`), so the same nested field under many parents becomes one batch.
 */
export class LoaderRegistry {
  private readonly loaders = new Map<string, DataLoader<string, unknown>>();

  get<V>(name: string, args: unknown, batch: (keys: readonly string[]) => Promise<V[]>): DataLoader<string, V> {
    const id = `${name}:${JSON.stringify(args ?? null)}`;
    let loader = this.loaders.get(id) as DataLoader<string, V> | undefined;
    if (!loader) {
      loader = new DataLoader<string, V>(batch, { maxBatchSize: 1000 });
      this.loaders.set(id, loader as DataLoader<string, unknown>);
    }
    return loader;
  }
}

/** Orders batch results by key, as DataLoader requires; missing keys get `fallback(key)`. */
export function byKeys<V>(keys: readonly string[], map: ReadonlyMap<string, V>, fallback: (key: string) => V): V[] {
  return keys.map((k) => map.get(k) ?? fallback(k));
}

export interface GraphQLContext {
  readonly req: { headers: Record<string, string | string[] | undefined>; requestId?: string };
  readonly loaders: LoaderRegistry;
  readonly requestId: string;
}
