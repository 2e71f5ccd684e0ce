import type { ApolloDriverConfig } from '@nestjs/apollo';
import { type ArgumentsHost, Catch, Logger } from '@nestjs/common';
import { BaseExceptionFilter } from '@nestjs/core';
import type { GraphQLError } from 'graphql';
import { DomainError } from '@haaas/domain';
import { addLogContext } from '@haaas/logging';
import { findDomainError, isClientError } from './error-format';
import type { GraphQLContext } from './loaders';

type Plugin = NonNullable<ApolloDriverConfig['plugins']>[number];

const logger = new Logger('GraphQL');

/** One log line per error of a request: client errors at info without a stack, internal ones at error with it; both with the request id. */
export function logRequestErrors(errors: readonly GraphQLError[], requestId: string | undefined): void {
  for (const error of errors) {
    const domain = findDomainError(error);
    const at = error.path?.join('.');
    const path = at ? ` at ${at}` : '';
    const fields = { requestId, ...(at ? { path: at } : {}) };
    if (domain) logger.log({ ...fields, code: domain.code, msg: `${domain.code}${path}: ${domain.message} (request ${requestId ?? '-'})` });
    else if (isClientError(error)) logger.log({ ...fields, code: String(error.extensions['code']), msg: `${String(error.extensions['code'])}: ${error.message} (request ${requestId ?? '-'})` });
    else {
      const cause = error.originalError ?? error;
      logger.error(`internal error${path} (request ${requestId ?? '-'})`, cause.stack ?? String(cause));
    }
  }
}

/** Logs what a request's response carries, once, where the request id is known (formatError does not see the context). */
export function errorLogPlugin(): Plugin {
  return {
    async requestDidStart() {
      return {
        // the operation's name on every later line of the request (the resolvers', the errors')
        async didResolveOperation({ operationName, operation }) {
          addLogContext({ operation: operationName ?? `anonymous ${operation?.operation ?? "operation"}` });
        },
        async didEncounterErrors({ errors, contextValue }) {
          logRequestErrors(errors, (contextValue as Partial<GraphQLContext> | undefined)?.requestId);
        },
      };
    },
  };
}

/**
 * Nest's default handler logs every error a resolver throws at ERROR with its stack, NOT_FOUND
 * included, before GraphQL even maps it. For GraphQL calls this filter only hands the error on to
 * GraphQL (logged once by errorLogPlugin or the graphql-ws hooks); HTTP calls keep Nest's handling.
 */
@Catch()
export class GraphqlErrorPassFilter extends BaseExceptionFilter {
  override catch(exception: unknown, host: ArgumentsHost): unknown {
    if (host.getType<string>() === 'graphql') {
      if (exception instanceof Error || exception instanceof DomainError) throw exception;
      throw new Error(String(exception));
    }
    return super.catch(exception, host);
  }
}
