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
      keepClassNames: true,
    },
    module: { type: 'commonjs' },
  },
];

const config = {
  rootDir: '.',
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': swc },
  moduleFileExtensions: ['ts', 'js', 'json'],
  moduleNameMapper: {
    '^@haaas/(domain|config|secrets|persistence|auth|management|graphql-api|devstack)$': '<rootDir>/libs/$1/src/index.ts',
    '^@haaas/api$': '<rootDir>/apps/api/src/index.ts',
  },
  testMatch: ['<rootDir>/{apps,libs,test,tools}/**/*.{spec,int-spec,e2e-spec}.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/sdk/', '/terraform-provider/'],
  globalSetup: '<rootDir>/test/setup/global-setup.ts',
  globalTeardown: '<rootDir>/test/setup/global-teardown.ts',
  testTimeout: 60_000,
  maxWorkers: 2,
};

module.exports = config;
