/** Writes the GraphQL schema (SDL) the API serves to apps/api/schema.graphql, which is committed. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildSchemaSdl } from '@haaas/graphql-api';

export const SCHEMA_FILE = join(__dirname, '..', 'apps', 'api', 'schema.graphql');

buildSchemaSdl()
  .then((sdl) => {
    writeFileSync(SCHEMA_FILE, sdl);
    console.log(`wrote ${SCHEMA_FILE}`);
  })
  .catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
