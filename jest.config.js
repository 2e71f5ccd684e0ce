// @ts-check
/** @type {import('jest').Config} */

// One jest run for the whole workspace. swc transpiles (with decorator metadata, which NestJS and
// TypeORM need); `npm run typecheck` does the type checking.
const swc = [
  '@swc/jest',
  {
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      target: 'es2022',
      // tsconfig's path aliases, resolved at transform time: jest's moduleNameMapper does not reach global setup
      baseUrl: __dirname,
      paths: require('./tsconfig.json').compilerOptions.paths,
      keepClassNames: true,
    },
    module: { type: 'commonjs' },
  },
];

const config = {
  rootDir: '.',
  testEnvironment: 'node',
  // NestJS 12, jose and uuid ship only ES modules, which jest cannot require on Node 20: swc turns
  // them into CommonJS like our own code (cached, so only the first run pays).
  transform: { '^.+\\.(ts|js|mjs)$': swc },
  transformIgnorePatterns: ['/node_modules/(?!(@nestjs|uuid|jose|@as-integrations|load-esm|file-type|uid)/)'],
  moduleFileExtensions: ['ts', 'js', 'json'],
  testMatch: ['<rootDir>/{apps,libs,test,tools,sdk,terraform-provider}/**/*.{spec,int-spec,e2e-spec}.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/sdk/dist/', '/terraform-provider/dist/'],
  // the SDK's sources import each other as `./x.js` (what Node's ES module loader needs); here they are .ts
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  globalSetup: '<rootDir>/test/setup/global-setup.ts',
  globalTeardown: '<rootDir>/test/setup/global-teardown.ts',
  testTimeout: 60_000,
  maxWorkers: 2,
};

module.exports = config;
