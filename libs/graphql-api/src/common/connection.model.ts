import { Type } from '@nestjs/common';
import { ArgsType, Field, Int, ObjectType } from '@nestjs/graphql';
import { BadInputError, Problems } from '@haaas/domain';
import type { PageArgs, Page } from '@haaas/management';

@ObjectType()
export class PageInfo {
  @Field()
  hasNextPage!: boolean;

  @Field(() => String, { nullable: true, description: 'Pass as `after` to get the next page.' })
  endCursor!: string | null;
}

export interface EdgeShape<T> {
  cursor: string;
  node: T;
}

export interface ConnectionShape<T> {
  edges: EdgeShape<T>[];
  nodes: T[];
  pageInfo: PageInfo;
}

/** Relay connection type for `classRef`, named `<Name>Connection` with `<Name>Edge`. */
export function Connection<T>(classRef: Type<T>, name: string): Type<ConnectionShape<T>> {
  @ObjectType(`${name}Edge`)
  abstract class EdgeType {
    @Field({ description: 'Opaque cursor of this row.' })
    cursor!: string;

    @Field(() => classRef)
    node!: T;
  }

  @ObjectType(`${name}Connection`, { isAbstract: true })
  abstract class ConnectionType {
    @Field(() => [EdgeType])
    edges!: EdgeType[];

    @Field(() => [classRef], { description: 'The rows of `edges`, for clients that need no cursors.' })
    nodes!: T[];

    @Field(() => PageInfo)
    pageInfo!: PageInfo;
  }
  return ConnectionType as unknown as Type<ConnectionShape<T>>;
}

export const MAX_PAGE_SIZE = 500;

@ArgsType()
export class ConnectionArgs {
  @Field(() => Int, { defaultValue: 50, description: `Page size, 1-${MAX_PAGE_SIZE}.` })
  first!: number;

  @Field(() => String, { nullable: true, description: '`endCursor` of the previous page.' })
  after?: string | null;
}

const CURSOR_PREFIX = 'c1:';

export function encodeCursor(id: string): string {
  return Buffer.from(CURSOR_PREFIX + id, 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string, field = 'after'): string {
  const raw = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!raw.startsWith(CURSOR_PREFIX) || raw.length <= CURSOR_PREFIX.length || raw.length > 256) {
    throw BadInputError.of(field, 'is not a cursor returned by this API');
  }
  return raw.slice(CURSOR_PREFIX.length);
}

export function toPageArgs(args: ConnectionArgs, direction: 'ASC' | 'DESC' = 'ASC'): PageArgs {
  const p = new Problems();
  p.check(Number.isInteger(args.first) && args.first >= 1 && args.first <= MAX_PAGE_SIZE, 'first', `must be from 1 to ${MAX_PAGE_SIZE}`);
  p.throwIfAny();
  return { first: args.first, after: args.after ? decodeCursor(args.after) : null, direction };
}

export function toConnection<E extends { id: string }, T>(page: Page<E>, map: (row: E) => T): ConnectionShape<T> {
  const nodes = page.rows.map(map);
  const edges = page.rows.map((row, i) => ({ cursor: encodeCursor(row.id), node: nodes[i] as T }));
  const last = page.rows[page.rows.length - 1];
  return { edges, nodes, pageInfo: { hasNextPage: page.hasNextPage, endCursor: last ? encodeCursor(last.id) : null } };
}
