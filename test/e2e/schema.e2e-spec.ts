import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildClientSchema, getIntrospectionQuery, IntrospectionQuery, lexicographicSortSchema, printSchema } from 'graphql';
import { startTestApi, TestApi } from './support/api';

describe('the served schema', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi();
  });
  afterAll(() => api?.close());

  it('is the committed apps/api/schema.graphql', async () => {
    const token = await api.token('schema-check', ['reader']);
    const served = await api.ok<IntrospectionQuery>(token, getIntrospectionQuery({ specifiedByUrl: true }));
    const committed = readFileSync(join(__dirname, '..', '..', 'apps', 'api', 'schema.graphql'), 'utf8');
    expect(printSchema(lexicographicSortSchema(buildClientSchema(served))) + '\n').toBe(committed);
  });
});
