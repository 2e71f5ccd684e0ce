import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildSchemaSdl } from '@haaas/graphql-api';

// The SDK and other clients are generated from the committed schema, so it must be what the code serves.
describe('apps/api/schema.graphql', () => {
  it('is up to date with the code (run `npm run schema:generate` after changing the API)', async () => {
    const committed = readFileSync(join(__dirname, '..', '..', '..', 'apps', 'api', 'schema.graphql'), 'utf8');
    expect(await buildSchemaSdl()).toBe(committed);
  });
});
