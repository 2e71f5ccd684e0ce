import { Between, EntityManager, FindOperator, FindOptionsOrder, FindOptionsWhere, In, IsNull, LessThan, LessThanOrEqual, Like, MoreThan, MoreThanOrEqual, Not, ObjectLiteral, Repository } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { NotFoundError, TenantScope } from '@haaas/domain';
import type { TenantId } from '@haaas/domain';

/** A row of a tenant table with its own id. */
export interface TenantRow extends ObjectLiteral {
  id: string;
  tenantId: TenantId;
}

export type Where<E> = FindOptionsWhere<E>;
export type NewRow<E> = Omit<E, 'id' | 'tenantId' | 'createdAt' | 'updatedAt' | 'version' | 'at'>;

export interface PageArgs {
  readonly first: number;
  /** Exclusive keyset cursor: the id of the last row already seen. */
  readonly after?: string | null;
  readonly direction?: 'ASC' | 'DESC';
}

export interface Page<E> {
  readonly rows: E[];
  readonly hasNextPage: boolean;
}

export function newId(): string {
  return uuidv7();
}

/**
 * The only way to reach a tenant table. Every method takes the TenantScope first and adds its
 * tenant to the query last, so a caller can neither forget the tenant nor override it.
 * Another tenant's id reads as absent (NotFoundError), so existence does not leak.
 */
export class TenantRepository<E extends TenantRow> {
  constructor(
    private readonly repo: Repository<E>,
    /** Name used in NOT_FOUND messages, e.g. "Cluster". */
    readonly kind: string,
  ) {}

  private scoped(scope: TenantScope, where?: Where<E>): Where<E> {
    return { ...(where ?? {}), tenantId: scope.tenantId } as Where<E>;
  }

  findById(scope: TenantScope, id: string): Promise<E | null> {
    return this.repo.findOneBy(this.scoped(scope, { id } as Where<E>));
  }

  /** Like findById but NOT_FOUND when absent or another tenant's. */
  async get(scope: TenantScope, id: string): Promise<E> {
    const row = await this.findById(scope, id);
    if (!row) throw new NotFoundError(this.kind, id);
    return row;
  }

  /** Reads the row FOR UPDATE inside the current transaction: serializes changes to one object. */
  async lock(scope: TenantScope, id: string): Promise<E> {
    const row = await this.repo.findOne({ where: this.scoped(scope, { id } as Where<E>), lock: { mode: 'pessimistic_write' } });
    if (!row) throw new NotFoundError(this.kind, id);
    return row;
  }

  /** Like lock, but null when the row is absent (or another tenant's). */
  lockIfExists(scope: TenantScope, id: string): Promise<E | null> {
    return this.repo.findOne({ where: this.scoped(scope, { id } as Where<E>), lock: { mode: 'pessimistic_write' } });
  }

  /** Reads the rows FOR UPDATE in one statement (absent ids are skipped), in id order. */
  lockMany(scope: TenantScope, ids: readonly string[]): Promise<E[]> {
    if (ids.length === 0) return Promise.resolve([]);
    return this.repo.find({ where: this.scoped(scope, { id: In([...new Set(ids)]) } as Where<E>), order: { id: 'ASC' } as FindOptionsOrder<E>, lock: { mode: 'pessimistic_write' } });
  }

  findByIds(scope: TenantScope, ids: readonly string[]): Promise<E[]> {
    if (ids.length === 0) return Promise.resolve([]);
    return this.repo.findBy(this.scoped(scope, { id: In([...new Set(ids)]) } as Where<E>));
  }

  findOne(scope: TenantScope, where: Where<E>): Promise<E | null> {
    return this.repo.findOneBy(this.scoped(scope, where));
  }

  find(scope: TenantScope, where: Where<E> = {}, order: FindOptionsOrder<E> = { id: 'ASC' } as FindOptionsOrder<E>): Promise<E[]> {
    return this.repo.find({ where: this.scoped(scope, where), order });
  }

  findIn(scope: TenantScope, column: keyof E & string, values: readonly string[]): Promise<E[]> {
    if (values.length === 0) return Promise.resolve([]);
    return this.repo.find({
      where: this.scoped(scope, { [column]: In([...new Set(values)]) } as Where<E>),
      order: { id: 'ASC' } as FindOptionsOrder<E>,
    });
  }

  count(scope: TenantScope, where: Where<E> = {}): Promise<number> {
    return this.repo.countBy(this.scoped(scope, where));
  }

  async exists(scope: TenantScope, where: Where<E>): Promise<boolean> {
    return this.repo.existsBy(this.scoped(scope, where));
  }

  /** Inserts a new row of this tenant with a fresh id and returns it as stored. */
  async create(scope: TenantScope, fields: NewRow<E>): Promise<E> {
    const row = this.repo.create({ ...fields, id: newId(), tenantId: scope.tenantId } as unknown as E);
    await this.repo.insert(row as Parameters<Repository<E>['insert']>[0]);
    return this.get(scope, row.id);
  }

  /**
   * Inserts many new rows of this tenant in a few statements (500 rows each), without reading
   * them back (their ids, in order, are returned): recovery creates a row per service of a failed
   * host at once.
   */
  async insertMany(scope: TenantScope, rows: readonly NewRow<E>[]): Promise<string[]> {
    const ids: string[] = [];
    for (let i = 0; i < rows.length; i += 500) {
      const chunk = rows.slice(i, i + 500).map((fields) => this.repo.create({ ...fields, id: newId(), tenantId: scope.tenantId } as unknown as E));
      await this.repo.insert(chunk as Parameters<Repository<E>['insert']>[0]);
      ids.push(...chunk.map((r) => r.id));
    }
    return ids;
  }

  /** Inserts one new row of this tenant and returns its id, without reading it back (what `create` does). */
  async insertOne(scope: TenantScope, fields: NewRow<E>): Promise<string> {
    const [id] = await this.insertMany(scope, [fields]);
    if (id === undefined) throw new Error(`${this.kind}: insert returned no id`);
    return id;
  }

  /** Saves changes to a row read through this repository. */
  async save(scope: TenantScope, row: E): Promise<E> {
    if (row.tenantId !== scope.tenantId) throw new NotFoundError(this.kind, row.id);
    return this.repo.save(row);
  }

  async delete(scope: TenantScope, where: Where<E>): Promise<number> {
    const result = await this.repo.delete(this.scoped(scope, where));
    return result.affected ?? 0;
  }

  /** One page in id order (UUIDv7: creation order), keyset-paginated. */
  async page(scope: TenantScope, where: Where<E>, args: PageArgs): Promise<Page<E>> {
    const direction = args.direction ?? 'ASC';
    const cursor = args.after ? { id: direction === 'ASC' ? MoreThan(args.after) : LessThan(args.after) } : {};
    const rows = await this.repo.find({
      where: this.scoped(scope, { ...where, ...cursor } as Where<E>),
      order: { id: direction } as FindOptionsOrder<E>,
      take: args.first + 1,
    });
    return { rows: rows.slice(0, args.first), hasNextPage: rows.length > args.first };
  }

  /**
   * The first page of children for many parents in two statements whatever the number of parents:
   * what DataLoader batches nested lists into.
   */
  async pageByParent(
    scope: TenantScope,
    parentColumn: keyof E & string,
    parentIds: readonly string[],
    args: PageArgs,
    where: Where<E> = {},
  ): Promise<Map<string, Page<E>>> {
    const result = new Map<string, Page<E>>();
    for (const id of parentIds) result.set(id, { rows: [], hasNextPage: false });
    if (parentIds.length === 0) return result;
    const meta = this.repo.metadata;
    const parentCol = meta.findColumnWithPropertyName(parentColumn)?.databaseName;
    if (!parentCol) throw new Error(`${meta.name} has no column ${parentColumn}`);
    const direction = args.direction ?? 'ASC';
    // One branch per parent, each reading only its first rows through the (tenant, parent, id)
    // index, joined with UNION ALL: one statement, and a long child list (a cluster's log) costs a
    // page, not a scan of every row (which a window function over all of them would).
    const parents = [...new Set(parentIds)];
    const branches = parents.map((parent, i) => {
      const b = this.repo
        .createQueryBuilder('t')
        .select('t.id', 'id')
        .addSelect(`t.${parentCol}`, 'parent')
        .where(this.scoped(scope, where))
        .andWhere(`t.${parentCol} = :pbpParent${i}`, { [`pbpParent${i}`]: parent })
        .orderBy('t.id', direction)
        .limit(args.first + 1);
      if (args.after) b.andWhere(`t.id ${direction === 'ASC' ? '>' : '<'} :pbpAfter`, { pbpAfter: args.after });
      return b;
    });
    const qb = this.repo.manager
      .createQueryBuilder()
      .select('u.id', 'id')
      .addSelect('u.parent', 'parent')
      .from(`(${branches.map((b) => `(${b.getQuery()})`).join(' UNION ALL ')})`, 'u');
    for (const b of branches) qb.setParameters({ ...qb.getParameters(), ...b.getParameters() });
    const ranked = await qb.getRawMany<{ id: string; parent: string }>();
    const rows = await this.findByIds(
      scope,
      ranked.map((r) => r.id),
    );
    const byId = new Map(rows.map((r) => [r.id, r]));
    const grouped = new Map<string, E[]>();
    for (const r of ranked) {
      const row = byId.get(r.id);
      if (!row) continue;
      const list = grouped.get(r.parent) ?? [];
      list.push(row);
      grouped.set(r.parent, list);
    }
    for (const [parent, list] of grouped) {
      list.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0) * (direction === 'ASC' ? 1 : -1));
      result.set(parent, { rows: list.slice(0, args.first), hasNextPage: list.length > args.first });
    }
    return result;
  }

  /** Counts rows per (parent, value of `byColumn`) for many parents in one statement. */
  async countGrouped(
    scope: TenantScope,
    parentColumn: keyof E & string,
    parentIds: readonly string[],
    byColumn: keyof E & string,
  ): Promise<{ parent: string; value: string; count: number }[]> {
    if (parentIds.length === 0) return [];
    const meta = this.repo.metadata;
    const parent = meta.findColumnWithPropertyName(parentColumn)?.databaseName;
    const by = meta.findColumnWithPropertyName(byColumn)?.databaseName;
    if (!parent || !by) throw new Error(`${meta.name} has no column ${parentColumn} or ${byColumn}`);
    const rows = await this.repo
      .createQueryBuilder('t')
      .select(`t.${parent}`, 'parent')
      .addSelect(`t.${by}`, 'value')
      .addSelect('COUNT(*)', 'count')
      .where('t.tenant_id = :tenant', { tenant: scope.tenantId })
      .andWhere(`t.${parent} IN (:...parents)`, { parents: [...new Set(parentIds)] })
      .groupBy(`t.${parent}`)
      .addGroupBy(`t.${by}`)
      .getRawMany<{ parent: string; value: string; count: string | number }>();
    return rows.map((r) => ({ parent: r.parent, value: String(r.value), count: Number(r.count) }));
  }

  /**
   * Plain rows of only `columns`, without entity objects: for hot paths that read thousands of
   * rows many times (recovery reads its incident and the cluster on every step). TypeORM's entity
   * hydration (class instances, every column transformed) was most of the time of such a read;
   * here only the named columns are selected and each value goes through the driver's own
   * conversion (JSON, booleans, dates), so the values equal what `find` gives.
   */
  async select<K extends keyof E & string>(scope: TenantScope, where: Where<E>, columns: readonly K[]): Promise<Pick<E, K>[]> {
    const meta = this.repo.metadata;
    const driver = this.repo.manager.connection.driver;
    const cols = columns.map((c) => {
      const col = meta.findColumnWithPropertyName(c);
      if (!col) throw new Error(`${meta.name} has no column ${c}`);
      return { name: c, col, alias: `c_${col.databaseName}` };
    });
    const qb = this.repo.createQueryBuilder('t').where(this.scoped(scope, where)).orderBy('t.id', 'ASC');
    qb.select([]);
    for (const c of cols) qb.addSelect(`t.${c.col.databaseName}`, c.alias);
    const raw = await qb.getRawMany<Record<string, unknown>>();
    return raw.map((r) => {
      const out: Record<string, unknown> = {};
      for (const c of cols) out[c.name] = driver.prepareHydratedValue(r[c.alias], c.col);
      return out as Pick<E, K>;
    });
  }

  /** Writes `fields` to one row of this tenant without reading it first (the caller holds its lock or owns it). */
  async update(scope: TenantScope, id: string, fields: Partial<NewRow<E>>): Promise<void> {
    if ((await this.updateWhere(scope, { id } as Where<E>, fields)) === 0) throw new NotFoundError(this.kind, id);
  }

  /**
   * Writes `fields` to the rows of this tenant that match `where`, in one statement, and tells how
   * many matched: a compare-and-set when `where` names the values the caller last saw.
   */
  async updateWhere(scope: TenantScope, where: Where<E>, fields: Partial<NewRow<E>>): Promise<number> {
    const result = await this.repo.update(this.scoped(scope, where), fields as Parameters<Repository<E>['update']>[1]);
    return result.affected ?? 0;
  }

  /** The same repository bound to a transaction's EntityManager. */
  withManager(manager: EntityManager): TenantRepository<E> {
    return new TenantRepository(manager.getRepository<E>(this.repo.target), this.kind);
  }
}

/** `IS NULL`, for filters (plain nulls in a where clause are refused by TypeORM 1.x, rightly). */
export function isNull<T = never>(): FindOperator<T> {
  return IsNull() as FindOperator<T>;
}

/** `IS NOT NULL`. */
export function isNotNull<T = never>(): FindOperator<T> {
  return Not(IsNull()) as FindOperator<T>;
}

/** Range filters (inclusive), e.g. on event times. */
export function atLeast<T>(value: T): FindOperator<T> {
  return MoreThanOrEqual(value);
}
export function atMost<T>(value: T): FindOperator<T> {
  return LessThanOrEqual(value);
}
export function between<T>(from: T, to: T): FindOperator<T> {
  return Between(from, to);
}

/** `IN (...)`, for filters on a set of values. */
export function anyOf<T>(values: readonly T[]): FindOperator<T> {
  return In([...values]);
}

/** `LIKE %text%` with the wildcards of `text` escaped, for "name contains" filters. */
export function containing(text: string): FindOperator<string> {
  return Like(`%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
}

/** True when a write failed on a unique index (MySQL/MariaDB ER_DUP_ENTRY). */
export function isDuplicateKey(err: unknown): boolean {
  const e = err as { code?: string; errno?: number; driverError?: { errno?: number } } | null;
  return e?.code === 'ER_DUP_ENTRY' || e?.errno === 1062 || e?.driverError?.errno === 1062;
}
