export { GraphqlApiModule } from './graphql-api.module';
export { RESOLVERS } from './resolvers';
export { formatError } from './common/error-format';
export { buildSchemaSdl } from './schema-sdl';
