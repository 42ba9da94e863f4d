import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = resolve(__dirname, '..');

/**
 * The layer rules of .dependency-cruiser.cjs, proven to fire: a rule whose pattern stops
 * matching passes silently, so a tree of deliberate violations must keep failing.
 */
describe('layer rules (.dependency-cruiser.cjs)', () => {
  let violations: string[];

  beforeAll(async () => {
    const cli = resolve(ROOT, 'node_modules/.bin/depcruise');
    const args = ['apps', 'libs', '--config', resolve(ROOT, '.dependency-cruiser.cjs'), '--output-type', 'err-long'];
    const result = await run(cli, args, { cwd: resolve(__dirname, 'fixtures/architecture') }).catch((err: { stdout: string }) => err);
    violations = result.stdout
      .split('\n')
      .filter((l) => l.trimStart().startsWith('error '))
      .map((l) => l.trim().replace(/^error /, '').replace(/ \S*node_modules\/([^/]+)\/.*$/, ' npm:$1'));
  }, 60_000);

  it.each([
    ['domain-is-pure', 'apps/ledger/src/domain/case-file.ts → npm:@nestjs'],
    ['domain-is-pure', 'apps/ledger/src/domain/case-file.ts → npm:kafkajs'],
    ['domain-imports-no-infrastructure-of-ours', 'apps/ledger/src/domain/case-file.ts → libs/database/src/port.ts'],
    ['libs-through-index-only', 'apps/ledger/src/domain/case-file.ts → libs/database/src/port.ts'],
    ['no-app-imports-another-app', 'apps/ledger/src/domain/case-file.ts → apps/relay/src/index.ts'],
    ['hub-imports-only-app-entry-points', 'apps/hub/src/components.ts → apps/relay/src/relay.module.ts'],
    ['vendor-clients-only-in-their-adapter', 'apps/gateway/src/gateway.service.ts → npm:pg'],
    ['platformatic-kafka-only-in-its-adapter', 'apps/gateway/src/gateway.service.ts → npm:@platformatic'],
    ['production-code-never-imports-test-support', 'apps/gateway/src/gateway.service.ts → libs/testing/src/index.ts'],
  ])('%s catches %s', (rule, edge) => {
    expect(violations).toContainEqual(expect.stringMatching(new RegExp(`^${rule}: ${edge.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`)));
  });
});
