import type { IntrospectionField } from 'graphql';
import { createConnection, Connection, RowDataPacket } from 'mysql2/promise';
import { startTestApi, TestApi } from './support/api';
import { SchemaMap, unwrap } from './support/introspection';
import { seedTenant, SeededTenant } from './support/seed';

/**
 * Bad input for every mutation of the schema (from introspection): unknown ids, and invalid
 * values (empty strings, negative numbers) with the caller's own valid ids. Each must fail with a
 * clear code, and the database must be exactly as before (table checksums): no partial writes.
 */
describe('bad input, every mutation of the schema', () => {
  let api: TestApi;
  let schema: SchemaMap;
  let own: SeededTenant;
  let admin: string;
  let db: Connection;

  beforeAll(async () => {
    api = await startTestApi();
    admin = await api.token('badinput-co', ['admin'], 'operator');
    own = await seedTenant(api, admin, 'mine');
    schema = await SchemaMap.load(api, admin);
    db = await createConnection(api.config.database.url);
  });
  afterAll(async () => {
    await db?.end();
    await api?.close();
  });

  async function checksum(): Promise<string> {
    const [tables] = await db.query<RowDataPacket[]>('SELECT TABLE_NAME AS t FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() ORDER BY TABLE_NAME');
    const [sums] = await db.query<RowDataPacket[]>(`CHECKSUM TABLE ${tables.map((r) => `\`${String(r['t'])}\``).join(', ')}`);
    return JSON.stringify(sums);
  }

  function ownIdFor(fieldName: string, opName: string): string {
    const ids = own.ids;
    const byField: Record<string, string> = {
      clusterId: ids.cluster,
      nodeId: ids.node,
      resourceId: ids.resource2,
      serviceId: ids.service,
      deviceId: ids.fencingDevice,
      failoverDomainId: ids.failoverDomain,
    };
    if (byField[fieldName]) return byField[fieldName];
    const byOp: [RegExp, string][] = [
      [/FencingDevice/, ids.fencingDevice],
      [/FailoverDomain/, ids.failoverDomain],
      [/Resource/, ids.resource2],
      [/Service/, ids.service],
      [/Node/, ids.node],
      [/Tenant/, 'badinput-co'],
      [/Cluster/, ids.cluster],
    ];
    return byOp.find(([re]) => re.test(opName))?.[1] ?? ids.cluster;
  }

  function args(field: IntrospectionField, variant: 'unknown-ids' | 'bad-values'): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const a of field.args) {
      out[a.name] = schema.value(a.type, a.name, (scalar, name, enumValues) => {
        if (scalar === 'ENUM') return enumValues[0];
        if (scalar === 'ID') return variant === 'unknown-ids' ? '01000000-0000-7000-8000-000000000000' : ownIdFor(name, field.name);
        if (scalar === 'Boolean') return false;
        if (scalar === 'DateTime') return new Date().toISOString();
        if (scalar === 'JSON') return {};
        if (scalar === 'Int' || scalar === 'Float') return variant === 'bad-values' ? -5 : 1;
        if (variant === 'bad-values') return '';
        if (name === 'uri') return 'qemu+ssh://x/system';
        if (name === 'agent') return 'fence_ipmilan';
        if (name === 'address') return '192.0.2.9';
        if (name === 'hostname') return 'x.example.com';
        return 'ok-name';
      });
    }
    return out;
  }

  function hasBadValueLeaf(field: IntrospectionField): boolean {
    const seen = new Set<string>();
    const walk = (typeName: string): boolean => {
      if (seen.has(typeName)) return false;
      seen.add(typeName);
      const t = schema.type(typeName);
      if (t.kind === 'SCALAR') return ['String', 'Int', 'Float'].includes(t.name);
      if (t.kind === 'INPUT_OBJECT') return t.inputFields.some((f) => walk(unwrap(f.type).name));
      return false;
    };
    return field.args.some((a) => walk(unwrap(a.type).name));
  }

  it('refuses unknown ids with NOT_FOUND or BAD_USER_INPUT and writes nothing', async () => {
    let tried = 0;
    for (const field of schema.mutations) {
      const a = args(field, 'unknown-ids');
      // createTenant's id names the new tenant, it refers to nothing: any well-formed id is fine there
      if (field.name === 'createTenant' || !JSON.stringify(a).includes('01000000-0000-7000-8000-000000000000')) continue;
      tried += 1;
      const before = await checksum();
      const res = await api.gql(admin, schema.operation('mutation', field, 1), a);
      expect({ op: field.name, code: res.errors?.[0]?.extensions?.code }).toEqual({ op: field.name, code: expect.stringMatching(/^(NOT_FOUND|BAD_USER_INPUT)$/) });
      expect({ op: field.name, same: (await checksum()) === before }).toEqual({ op: field.name, same: true });
    }
    expect(tried).toBeGreaterThan(15);
  });

  it('refuses invalid values with BAD_USER_INPUT naming fields, and writes nothing', async () => {
    let tried = 0;
    for (const field of schema.mutations) {
      if (!hasBadValueLeaf(field)) continue;
      tried += 1;
      const before = await checksum();
      const res = await api.gql(admin, schema.operation('mutation', field, 1), args(field, 'bad-values'));
      const err = res.errors?.[0];
      expect({ op: field.name, code: err?.extensions?.code }).toEqual({ op: field.name, code: 'BAD_USER_INPUT' });
      const problems = (err?.extensions?.['problems'] ?? []) as { field?: unknown; message?: unknown }[];
      expect({ op: field.name, named: problems.length > 0 && problems.every((p) => typeof p.field === 'string' && typeof p.message === 'string') }).toEqual({ op: field.name, named: true });
      expect({ op: field.name, same: (await checksum()) === before }).toEqual({ op: field.name, same: true });
    }
    expect(tried).toBeGreaterThan(15);
  });
});
