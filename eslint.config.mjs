import nx from '@nx/eslint-plugin';

// Layers, inner to outer. A project may depend only on the layers listed for its tag, so the
// domain stays framework-free, transport cannot reach persistence, and nothing imports an app.
// what every engine library may use below the engine itself
const ENGINE_BASE = ['type:domain', 'type:util', 'type:connections', 'type:data-access', 'type:adapter', 'type:application', 'type:notifications'];

// No forwardRef anywhere; and in production code no Redis client but through @haaas/redis (ADR 0016)
const NO_FORWARD_REF = { selector: "CallExpression[callee.name='forwardRef']", message: 'No forwardRef: restructure the modules instead.' };
const NO_NEW_REDIS = { selector: "NewExpression[callee.name='Redis']", message: "Inject RedisConnections (@haaas/redis) and ask for your purpose's connection: one owner per process opens and closes them." };
const TYPEORM_ONLY_IN_PERSISTENCE = [
  { name: 'typeorm', message: 'Use the tenant-scoped repositories of @haaas/persistence.' },
  { name: '@nestjs/typeorm', message: 'Use the tenant-scoped repositories of @haaas/persistence.' },
];
const NO_CONNECT_REDIS = { name: '@haaas/config', importNames: ['connectRedis'], message: "Inject RedisConnections (@haaas/redis): it is the one place a process connects to Redis." };
// where a Redis client of its own is right: the owner itself, the URL helper, the dev peers, tests and benchmarks
const OWN_REDIS_ALLOWED = ['libs/redis/**', 'libs/config/**', 'libs/devstack/**', '**/testing/**', '**/*.harness.ts', '**/*.spec.ts', '**/*.int-spec.ts', '**/*.e2e-spec.ts', 'bench/**', 'test/**', 'tools/**', 'sdk/**', 'terraform-provider/**'];

const depConstraints = [
  {
    sourceTag: 'type:domain',
    onlyDependOnLibsWithTags: ['type:domain'],
    // the domain core is plain TypeScript: no framework, ORM, transport or driver
    bannedExternalImports: ['@nestjs/*', 'typeorm', 'graphql', 'graphql-*', '@apollo/*', 'bullmq', 'ioredis', 'mysql2', 'express', 'passport*', 'class-validator', 'class-transformer', 'dataloader'],
  },
  { sourceTag: 'type:util', onlyDependOnLibsWithTags: ['type:domain', 'type:util'] },
  // the owner of a process's Redis connections (@haaas/redis, ADR 0016): opens them through the
  // config's connectRedis and knows nothing of who uses them
  { sourceTag: 'type:connections', onlyDependOnLibsWithTags: ['type:util'], bannedExternalImports: ['bullmq', 'typeorm', 'graphql', '@apollo/*'] },
  // adapters to hypervisors and fence agents: plain TypeScript behind the @haaas/hypervisor interface
  {
    sourceTag: 'type:adapter',
    onlyDependOnLibsWithTags: ['type:domain', 'type:util', 'type:adapter'],
    bannedExternalImports: ['@nestjs/*', 'typeorm', 'graphql', '@apollo/*', 'bullmq', 'mysql2'],
  },
  { sourceTag: 'type:data-access', onlyDependOnLibsWithTags: ['type:domain', 'type:util'] },
  { sourceTag: 'type:auth', onlyDependOnLibsWithTags: ['type:domain', 'type:util', 'type:connections', 'type:data-access'] },
  // outbound notifications (webhooks): written with the cluster log by the application layer,
  // delivered by their own jobs; they know the data layer and nothing above it
  { sourceTag: 'type:notifications', onlyDependOnLibsWithTags: ['type:domain', 'type:util', 'type:connections', 'type:data-access'], bannedExternalImports: ['graphql', '@apollo/*', '@nestjs/graphql'] },
  // metrics (prom-client): the registry and every metric in one place, recorded through its typed
  // methods; it observes the engine from outside (commit observers, adapter and detector wrappers),
  // so it knows the hypervisor interface and nothing of the engine, and only composition roots use it
  { sourceTag: 'type:metrics', onlyDependOnLibsWithTags: ['type:domain', 'type:util', 'type:adapter'], bannedExternalImports: ['@nestjs/*', 'typeorm', 'mysql2'] },
  { sourceTag: 'type:application', onlyDependOnLibsWithTags: ['type:domain', 'type:util', 'type:data-access', 'type:auth', 'type:adapter', 'type:notifications'] },
  // the failover engine (detector, recovery, operations) orchestrates on top of the application
  // services; they never call back into it
  { sourceTag: 'type:engine', onlyDependOnLibsWithTags: [...ENGINE_BASE, 'type:engine'] },
  // inside the engine, each library imports only the ones below it (ADR 0001): heartbeats, then
  // node actions, the runtime they share (runner, claims, cluster view, hosts), the detector and
  // recovery beside each other, operations on top.
  { sourceTag: 'engine:heartbeats', onlyDependOnLibsWithTags: ENGINE_BASE },
  { sourceTag: 'engine:node-actions', onlyDependOnLibsWithTags: [...ENGINE_BASE, 'engine:heartbeats'] },
  { sourceTag: 'engine:runtime', onlyDependOnLibsWithTags: [...ENGINE_BASE, 'engine:heartbeats', 'engine:node-actions'] },
  { sourceTag: 'engine:detector', onlyDependOnLibsWithTags: [...ENGINE_BASE, 'engine:heartbeats', 'engine:runtime'] },
  { sourceTag: 'engine:recovery', onlyDependOnLibsWithTags: [...ENGINE_BASE, 'engine:heartbeats', 'engine:node-actions', 'engine:runtime'] },
  {
    sourceTag: 'engine:operations',
    onlyDependOnLibsWithTags: [...ENGINE_BASE, 'engine:heartbeats', 'engine:node-actions', 'engine:runtime', 'engine:detector', 'engine:recovery'],
  },
  // resolvers talk to application and engine services, never to repositories or TypeORM
  { sourceTag: 'type:transport', onlyDependOnLibsWithTags: ['type:domain', 'type:util', 'type:application', 'type:engine', 'type:auth', 'type:notifications'] },
  // tooling (local infra, the demo datacenter) may start the adapters' test peers
  { sourceTag: 'type:tooling', onlyDependOnLibsWithTags: ['type:domain', 'type:util', 'type:data-access', 'type:adapter'] },
  // composition roots: the wiring of a process (its modules, configuration, shutdown); apps are
  // entry points over them, and tests and benchmarks start the same wiring
  {
    sourceTag: 'type:composition',
    onlyDependOnLibsWithTags: ['type:domain', 'type:util', 'type:connections', 'type:data-access', 'type:auth', 'type:application', 'type:transport', 'type:tooling', 'type:adapter', 'type:engine', 'type:notifications', 'type:metrics'],
  },
  {
    sourceTag: 'type:app',
    onlyDependOnLibsWithTags: ['type:domain', 'type:util', 'type:data-access', 'type:auth', 'type:application', 'type:transport', 'type:tooling', 'type:adapter', 'type:engine', 'type:composition'],
  },
  {
    sourceTag: 'type:test',
    onlyDependOnLibsWithTags: ['type:domain', 'type:util', 'type:connections', 'type:data-access', 'type:auth', 'type:application', 'type:transport', 'type:tooling', 'type:adapter', 'type:engine', 'type:notifications', 'type:composition', 'type:metrics', 'type:testing', 'type:sdk', 'type:provider', 'type:client-config'],
  },
  // the `haaas` CLI is a client like any other: the SDK and nothing of the server
  { sourceTag: 'type:cli', onlyDependOnLibsWithTags: ['type:sdk', 'type:client-config'] },
  // clouds.yaml and OS_* settings, shared by the two Keystone clients (CLI, provider): no workspace library
  { sourceTag: 'type:client-config', onlyDependOnLibsWithTags: [] },
  // the published SDK stands alone: it may import no workspace library (only its npm dependencies)
  { sourceTag: 'type:sdk', onlyDependOnLibsWithTags: [] },
  // the SDK's examples use it as its users do, through `@haaas/sdk`, and nothing else of the workspace
  { sourceTag: 'type:sdk-example', onlyDependOnLibsWithTags: ['type:sdk'] },
  // the Terraform provider is a client of the API through the SDK, like any user of it
  { sourceTag: 'type:provider', onlyDependOnLibsWithTags: ['type:sdk', 'type:client-config'] },
  // test helpers (throwaway databases): used by tests only, see the spec-file block below
  { sourceTag: 'type:testing', onlyDependOnLibsWithTags: ['type:domain', 'type:util', 'type:tooling', 'type:adapter'] },
];

// Tests of any layer (and the peer starters under src/testing/) may also use the test helpers and
// the dev tooling (starting MariaDB, installing a peer's packages); production code may not.
const specDepConstraints = depConstraints.map((c) =>
  c.sourceTag === 'type:testing' ? c : { ...c, onlyDependOnLibsWithTags: [...new Set([...c.onlyDependOnLibsWithTags, 'type:testing', 'type:tooling'])] },
);

export default [
  ...nx.configs['flat/base'],
  ...nx.configs['flat/typescript'],
  {
    ignores: ['**/node_modules', '**/dist', '.nx', '.data', 'sdk/docs', 'tools/run.js', 'terraform-provider/cdktf/.gen', 'terraform-provider/cdktf/cdktf.out'],
  },
  {
    files: ['**/*.ts'],
    rules: {
      '@nx/enforce-module-boundaries': ['error', { enforceBuildableLibDependency: false, allow: [], depConstraints }],
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-syntax': ['error', NO_FORWARD_REF, NO_NEW_REDIS],
    },
  },
  { files: OWN_REDIS_ALLOWED, rules: { 'no-restricted-syntax': ['error', NO_FORWARD_REF] } },
  {
    files: ['**/*.spec.ts', '**/*.int-spec.ts', '**/*.e2e-spec.ts', 'libs/*/src/**/testing/**/*.ts'],
    rules: {
      '@nx/enforce-module-boundaries': ['error', { enforceBuildableLibDependency: false, allow: [], depConstraints: specDepConstraints }],
    },
  },
  {
    // The SDK's tests drive the real API through the end-to-end harness (test code only, never the SDK itself)
    files: ['sdk/test/**/*.ts', 'terraform-provider/test/**/*.ts'],
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
          // the provider's tests reach its source by path: it is its own package, outside the workspace's aliases
          allow: ['../../test/e2e/support/*', '../../../test/e2e/support/*', '../src/**', '../../src/**'],
          depConstraints: specDepConstraints,
        },
      ],
    },
  },
  {
    // Outside the workspace's aliases too: the provider benchmark drives the provider's test harness,
    // the SDK's codegen reads the domain's event catalogue (the SDK has no @haaas/* dependency to name).
    files: ['bench/terraform-provider.bench.ts', 'bench/provider-e2e-setup.bench.ts', 'sdk/scripts/codegen.ts'],
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        { enforceBuildableLibDependency: false, allow: ['../terraform-provider/test/support/*', '../../libs/domain/src/event-catalogue'], depConstraints },
      ],
    },
  },
  {
    // Small units (GUIDE: functions about 60 lines): a longer one says why in an eslint-disable
    // comment naming this rule, next to the function. Tests and test harnesses are exempt.
    files: ['apps/**/*.ts', 'libs/**/*.ts'],
    ignores: [
      '**/*.spec.ts',
      '**/*.int-spec.ts',
      '**/*.e2e-spec.ts',
      'libs/*/src/**/testing/**',
      // forRoot (76 lines) is being replaced by one composition per process (issue 13, branch
      // i13-engine): take this entry off when it lands
      'libs/operations/src/operations.module.ts',
    ],
    rules: {
      'max-lines-per-function': ['error', { max: 60, skipBlankLines: true, skipComments: true }],
    },
  },
  {
    // Tenancy cannot be forgotten: only the persistence library touches TypeORM; everything
    // else goes through its tenant-scoped repositories, whose methods take a TenantScope.
    files: ['apps/**/*.ts', 'libs/**/*.ts'],
    ignores: ['libs/persistence/**', 'libs/devstack/**'],
    rules: {
      'no-restricted-imports': ['error', { paths: [...TYPEORM_ONLY_IN_PERSISTENCE, NO_CONNECT_REDIS] }],
    },
  },
  {
    // the same files, within the tenancy block's reach (apps and libs): connectRedis allowed, TypeORM still not
    files: ['libs/redis/**', 'libs/config/**', '{apps,libs}/**/testing/**', '{apps,libs}/**/*.harness.ts', '{apps,libs}/**/*.spec.ts', '{apps,libs}/**/*.int-spec.ts', '{apps,libs}/**/*.e2e-spec.ts'],
    ignores: ['libs/persistence/**', 'libs/devstack/**'],
    rules: { 'no-restricted-imports': ['error', { paths: TYPEORM_ONLY_IN_PERSISTENCE }] },
  },
];
