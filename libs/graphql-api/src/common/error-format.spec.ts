import { GraphQLError } from 'graphql';
import { formatError, isStoreUnavailable } from './error-format';

/** What mysql2 throws when MariaDB is down or restarting, wrapped the way TypeORM and GraphQL wrap it. */
function wrapped(driverError: Error & { code?: string }): GraphQLError {
  const query = Object.assign(new Error(driverError.message), { name: 'QueryFailedError', driverError });
  return new GraphQLError('x', { originalError: query });
}

describe('formatError for a data store that did not answer', () => {
  const logged: unknown[] = [];
  const log = (_: string, e: unknown): void => void logged.push(e);

  it('answers UNAVAILABLE (retryable) when MariaDB refused or dropped the connection', () => {
    for (const code of ['ECONNREFUSED', 'PROTOCOL_CONNECTION_LOST', 'ER_SERVER_SHUTDOWN']) {
      const err = wrapped(Object.assign(new Error(`db: ${code}`), { code }));
      const out = formatError({ message: 'x' }, err, 'req-1', log);
      expect(out.extensions).toEqual({ code: 'UNAVAILABLE', requestId: 'req-1' });
      expect(out.message).not.toContain(code);
    }
    expect(logged).toHaveLength(3); // still logged on the server, with the cause
  });

  it('answers UNAVAILABLE when Redis is gone (ioredis)', () => {
    expect(isStoreUnavailable(new GraphQLError('x', { originalError: Object.assign(new Error('Reached the max retries per request limit'), { name: 'MaxRetriesPerRequestError' }) }))).toBe(true);
    expect(isStoreUnavailable(new Error('Connection is closed.'))).toBe(true);
  });

  it('keeps any other error an opaque INTERNAL_SERVER_ERROR', () => {
    const err = wrapped(Object.assign(new Error("Unknown column 'x'"), { code: 'ER_BAD_FIELD_ERROR' }));
    expect(formatError({ message: 'x' }, err, 'req-2', log).extensions).toEqual({ code: 'INTERNAL_SERVER_ERROR', requestId: 'req-2' });
    expect(isStoreUnavailable(new TypeError('undefined is not a function'))).toBe(false);
  });
});
