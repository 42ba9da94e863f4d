/**
 * Layer rules, checked in `npm test` (npm run deps). Each says why it exists.
 * @type {import('dependency-cruiser').IConfiguration}
 */
// npm modules are matched by their resolved path.
const VENDOR = '(^|/)node_modules/(@nestjs/|kafkajs/|@platformatic/kafka/|pg/|pg-[^/]+/|@electric-sql/|@eventstore/|@kurrent/|ajv[^/]*/|jose/)';

module.exports = {
  forbidden: [
    {
      name: 'domain-is-pure',
      comment: 'domain/ holds deciders and rules as plain TypeScript: no framework, no infrastructure client.',
      severity: 'error',
      from: { path: '/domain/' },
      to: { path: VENDOR },
    },
    {
      name: 'domain-imports-no-infrastructure-of-ours',
      comment: 'domain/ may not reach into adapters or framework modules of the project either.',
      severity: 'error',
      from: { path: '/domain/' },
      to: { path: '^libs/(messaging|database|platform)/' },
    },
    {
      name: 'no-app-imports-another-app',
      comment: 'A bounded context lives in its app; apps share only through libs/.',
      severity: 'error',
      from: { path: '^apps/([^/]+)/', pathNot: '^apps/hub/' },
      to: { path: '^apps/', pathNot: '^apps/$1/' },
    },
    {
      name: 'hub-imports-only-app-entry-points',
      comment: 'The hub composes apps (one program, many targets) through each app’s index.ts, nothing deeper.',
      severity: 'error',
      from: { path: '^apps/hub/' },
      to: { path: '^apps/(?!hub/)[^/]+/', pathNot: '^apps/[^/]+/src/index\\.ts$' },
    },
    {
      name: 'libs-through-index-only',
      comment: 'A lib is reached as @passerelle/<lib> through its index.ts; its insides may change freely.',
      severity: 'error',
      from: { path: '^(apps|test|bench)/' },
      to: { path: '^libs/[^/]+/', pathNot: '^libs/[^/]+/src/index\\.ts$' },
    },
    {
      name: 'libs-to-other-libs-through-index-only',
      comment: 'Same rule between libs.',
      severity: 'error',
      from: { path: '^libs/([^/]+)/' },
      to: { path: '^libs/', pathNot: ['^libs/$1/', '^libs/[^/]+/src/index\\.ts$'] },
    },
    {
      name: 'libs-never-import-apps',
      comment: 'Libs are technical or shared contracts; they know no bounded context.',
      severity: 'error',
      from: { path: '^libs/' },
      to: { path: '^apps/' },
    },
    {
      name: 'production-code-never-imports-test-support',
      comment: '@passerelle/testing and test/ exist only for test runs.',
      severity: 'error',
      from: { path: '^(apps|libs)/', pathNot: ['\\.(spec|int-spec|e2e-spec|contract)\\.ts$', '^libs/testing/'] },
      to: { path: '^(libs/testing/|test/)' },
    },
    {
      name: 'vendor-clients-only-in-their-adapter',
      comment: 'One adapter file per vendor client: kafkajs only under kafka/, pg only under postgres/, PGlite only under pglite/.',
      severity: 'error',
      from: { path: '^(apps|libs)/', pathNot: ['/kafka/', '/postgres/', '/pglite/', '^test/'] },
      to: { path: '(^|/)node_modules/(kafkajs|pg|@electric-sql/pglite)/' },
    },
    {
      name: 'platformatic-kafka-only-in-its-adapter',
      comment: 'The second Kafka client, @platformatic/kafka, only under platformatic/ (its own adapter beside kafka/).',
      severity: 'error',
      from: { path: '^(apps|libs)/', pathNot: ['/platformatic/', '^test/'] },
      to: { path: '(^|/)node_modules/@platformatic/kafka/' },
    },
    {
      name: 'telemetry-and-metrics-clients-in-their-lib',
      comment: 'OpenTelemetry (SDK, exporters, API) only in libs/telemetry, its SDK only under otel/; prom-client only in libs/metrics: apps use @passerelle/telemetry and @passerelle/metrics.',
      severity: 'error',
      from: { path: '^(apps|libs)/', pathNot: ['^libs/telemetry/src/otel/', '^libs/metrics/'] },
      to: { path: ['(^|/)node_modules/@opentelemetry/(?!api/)', '(^|/)node_modules/prom-client/'] },
    },
    {
      name: 'opentelemetry-api-in-telemetry-only',
      severity: 'error',
      from: { path: '^(apps|libs)/', pathNot: '^libs/telemetry/' },
      to: { path: '(^|/)node_modules/@opentelemetry/api/' },
    },
    {
      name: 'no-circular',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // Our build output only: a package's own dist/ (jose, @platformatic/kafka resolve there) is a dependency to check.
    exclude: { path: '^dist/|^test/fixtures/' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default', 'types'] },
  },
};
