// Three levels, told apart by file name: *.spec.ts (pure, fast), *.int-spec.ts (real Kafka
// and PostgreSQL) and *.e2e-spec.ts (built apps as processes); and *.faults-spec.ts, the
// fault-injection suite, run apart (npm run test:faults). Real infrastructure starts
// once per run in the integration project's global setup.
const { compilerOptions } = require('./tsconfig.json');

const moduleNameMapper = Object.fromEntries(
  Object.entries(compilerOptions.paths).map(([alias, [target]]) => [`^${alias}$`, `<rootDir>/${target}`]),
);

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

// NestJS 12, jose 6 and @platformatic/kafka ship as ES modules; jest's loader needs them compiled to CommonJS.
const esmPackages = ['@nestjs', '@platformatic', 'jose', 'file-type', 'uid', 'strtok3', 'token-types', '@tokenizer', 'uint8array-extras'];

const common = {
  rootDir: __dirname,
  testEnvironment: 'node',
  transform: { '^.+\\.(t|j|mj)s$': swc },
  transformIgnorePatterns: [`/node_modules/(?!(${esmPackages.join('|')})/)`],
  moduleNameMapper,
  roots: ['<rootDir>/apps', '<rootDir>/libs', '<rootDir>/test'],
};

// Real work (PGlite's first open, a hub starting, processes spawned, Kafka round trips) takes
// seconds here, many more on a loaded machine: jest's 5 s default fails such tests for no
// fault of theirs. Tests that wait for something bound the wait themselves, well inside this.
// (A global option: jest ignores testTimeout given per project.)
const TEST_TIMEOUT_MS = 120_000;

/** @type {import('jest').Config} */
module.exports = {
  testTimeout: TEST_TIMEOUT_MS,
  projects: [
    { ...common, displayName: 'unit', testMatch: ['**/*.spec.ts'] },
    {
      ...common,
      displayName: 'integration',
      testMatch: ['**/*.int-spec.ts', '**/*.e2e-spec.ts'],
      globalSetup: '<rootDir>/test/setup/global-setup.ts',
      globalTeardown: '<rootDir>/test/setup/global-teardown.ts',
      slowTestThreshold: 30,
    },
    // npm run test:faults: brings up its own broker and PostgreSQL cluster, to break them.
    { ...common, displayName: 'faults', testMatch: ['**/*.faults-spec.ts'] },
  ],
};
