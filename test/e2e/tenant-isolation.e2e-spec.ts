import type { IntrospectionField } from 'graphql';
import { startTestApi, TestApi } from './support/api';
import { SchemaMap } from './support/introspection';
import { seedTenant, SeededTenant } from './support/seed';

/**
 * Walks every query and mutation of the served schema (from introspection, so new operations are
 * covered without anyone remembering) as another tenant, passing the victim's ids wherever an ID
 * goes. Nothing of the victim may be read, and nothing of it may change.
 */
describe('tenant isolation, every operation of the schema', () => {
  let api: TestApi;
  let schema: SchemaMap;
  let victim: SeededTenant;
  let victimToken: string;
  let attacker: string;

  beforeAll(async () => {
    api = await startTestApi();
    victimToken = await api.token('victim-co', ['member'], 'victim-user');
    attacker = await api.token('intruder', ['member'], 'intruder-user');
    victim = await seedTenant(api, victimToken, 'victim');
    await seedTenant(api, attacker, 'own'); // the attacker has objects of its own, so lists are not trivially empty
    schema = await SchemaMap.load(api, victimToken);
  });
  afterAll(() => api?.close());

  /** The victim's id that an ID-typed field most likely wants, by field and operation name. */
  function victimIdFor(fieldName: string, opName: string): string {
    const ids = victim.ids;
    const byField: Record<string, string | undefined> = {
      clusterId: ids.cluster,
      nodeId: ids.node,
      resourceId: ids.resource,
      serviceId: ids.service,
      deviceId: ids.fencingDevice,
      failoverDomainId: ids.failoverDomain,
      domainId: ids.failoverDomain,
      webhookId: ids.webhook,
    };
    if (byField[fieldName]) return byField[fieldName] as string;
    const byOp: [RegExp, string][] = [
      [/Webhook|webhook/, ids.webhook],
      [/FencingDevice|fencingDevice/, ids.fencingDevice],
      [/FailoverDomain|failoverDomain/, ids.failoverDomain],
      [/Resource|resource/, ids.resource],
      [/Service|service/, ids.service],
      [/Node|node/, ids.node],
      [/Tenant|tenant/, 'victim-co'],
      [/Cluster|cluster/, ids.cluster],
    ];
    return byOp.find(([re]) => re.test(opName))?.[1] ?? ids.cluster;
  }

  function argsFor(field: IntrospectionField): Record<string, unknown> {
    const pick = (scalar: string, name: string, enumValues: string[]): unknown => {
      if (scalar === 'ENUM') return enumValues[0];
      if (scalar === 'ID') return victimIdFor(name, field.name);
      if (scalar === 'Int') return name === 'first' ? 10 : name === 'position' ? 0 : 1;
      if (scalar === 'Float') return 1;
      if (scalar === 'Boolean') return name === 'force'; // force where offered: the strongest attempt
      if (scalar === 'DateTime') return new Date().toISOString();
      if (scalar === 'JSON') return {};
      if (name === 'after') return null;
      if (name === 'hostname') return victim.hostname; // the victim's host name, for clusterByHost
      if (name === 'uri') return 'qemu+ssh://probe/system';
      if (name === 'agent') return 'fence_ipmilan';
      if (name === 'address') return '192.0.2.10';
      return 'probe';
    };
    const out: Record<string, unknown> = {};
    for (const a of field.args) out[a.name] = schema.value(a.type, a.name, pick);
    return out;
  }

  it('answers every operation without a token with UNAUTHENTICATED and no data', async () => {
    const ops = [...schema.queries.map((f) => ['query', f] as const), ...schema.mutations.map((f) => ['mutation', f] as const)];
    expect(ops.length).toBeGreaterThan(20);
    for (const [kind, field] of ops) {
      const res = await api.gql(null, schema.operation(kind, field), argsFor(field));
      expect({ op: field.name, code: res.errors?.[0]?.extensions?.code, data: res.data ?? null }).toEqual({ op: field.name, code: 'UNAUTHENTICATED', data: null });
    }
  });

  it("reads nothing of another tenant through any query", async () => {
    const secretsOfVictim = victim.markers();
    for (const field of schema.queries) {
      const res = await api.gql(attacker, schema.operation('query', field, 3), argsFor(field));
      const body = JSON.stringify(res.data ?? null);
      for (const marker of secretsOfVictim) {
        expect({ op: field.name, leaked: body.includes(marker) ? marker : null }).toEqual({ op: field.name, leaked: null });
      }
      if (res.errors?.length) {
        expect({ op: field.name, code: res.errors[0]?.extensions?.code }).toEqual({ op: field.name, code: expect.stringMatching(/^(NOT_FOUND|BAD_USER_INPUT|FORBIDDEN)$/) });
      }
    }
  });

  it('changes nothing of another tenant through any mutation', async () => {
    const before = await victim.snapshot();
    let attempted = 0;
    for (const field of schema.mutations) {
      const args = argsFor(field);
      const usesVictimId = Object.values(victim.ids).some((id) => JSON.stringify(args).includes(id)) || JSON.stringify(args).includes('victim-co');
      const res = await api.gql(attacker, schema.operation('mutation', field), args);
      const body = JSON.stringify(res.data ?? null);
      for (const marker of victim.markers()) expect({ op: field.name, leaked: body.includes(marker) ? marker : null }).toEqual({ op: field.name, leaked: null });
      if (usesVictimId) {
        attempted += 1;
        expect({ op: field.name, failed: Boolean(res.errors?.length) }).toEqual({ op: field.name, failed: true });
        expect({ op: field.name, code: res.errors?.[0]?.extensions?.code }).toEqual({ op: field.name, code: expect.stringMatching(/^(NOT_FOUND|BAD_USER_INPUT|FORBIDDEN)$/) });
      }
    }
    expect(attempted).toBeGreaterThan(10);
    expect(await victim.snapshot()).toEqual(before);
  });
});
