import { testOperationsTools } from '@passerelle/testing';
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';

const ROOT = resolve(__dirname, '..');
const COMPONENTS = ['federation', 'schemas', 'ledger', 'relay', 'views', 'gateway', 'audit', 'insights'];

/** Runs a command to its end: exit code and everything it printed. */
function run(command: string, args: string[], options: { cwd?: string; env?: Record<string, string | undefined> } = {}): Promise<{ code: number | null; output: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { cwd: options.cwd ?? ROOT, env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolvePromise({ code, output }));
  });
}

/**
 * What an operator deploys, checked offline: the alert rules with promtool (syntax and their
 * unit tests), the Compose file with docker-compose, the Kubernetes manifests against the
 * official API schemas, the image's build file.
 */
describe('deployment files', () => {
  describe('Prometheus alert rules', () => {
    it('pass promtool check rules and their own unit tests (promtool test rules)', async () => {
      const { promtool } = testOperationsTools();

      const checked = await run(promtool, ['check', 'rules', 'deploy/prometheus/alerts.yml']);
      expect(checked).toMatchObject({ code: 0, output: expect.stringContaining('SUCCESS: 5 rules found') });
      const tested = await run(promtool, ['test', 'rules', 'alerts.test.yml'], { cwd: join(ROOT, 'deploy/prometheus') });
      expect(tested).toMatchObject({ code: 0, output: expect.stringContaining('SUCCESS') });
      // The Compose stack's Prometheus configuration, with the rules beside it.
      expect(await run(promtool, ['check', 'config', 'deploy/prometheus/prometheus.yml'])).toMatchObject({ code: 0, output: expect.stringContaining('SUCCESS: 1 rule files found') });
    }, 60_000);

    it('would fail on a broken rule or a wrong expectation: promtool says which', async () => {
      const { promtool } = testOperationsTools();
      const dir = await mkdtemp(join(tmpdir(), 'passerelle-rules-'));
      try {
        const rules = await readFile(join(ROOT, 'deploy/prometheus/alerts.yml'), 'utf8');
        await writeFile(join(dir, 'broken.yml'), rules.replace('> 0.2', '> > 0.2'));
        const broken = await run(promtool, ['check', 'rules', join(dir, 'broken.yml')]);
        expect(broken.code).not.toBe(0);
        expect(broken.output).toMatch(/PasserelleRejectionsSpiking.*could not parse expression/);

        await writeFile(join(dir, 'alerts.yml'), rules);
        const tests = await readFile(join(ROOT, 'deploy/prometheus/alerts.test.yml'), 'utf8');
        await writeFile(join(dir, 'alerts.test.yml'), tests.replace("summary: 'demo.health: 50% of events rejected'", "summary: 'demo.health: 10% of events rejected'"));
        const wrong = await run(promtool, ['test', 'rules', 'alerts.test.yml'], { cwd: dir });
        expect(wrong.code).not.toBe(0);
        expect(wrong.output).toContain('PasserelleRejectionsSpiking');
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    }, 60_000);
  });

  describe('Grafana dashboard', () => {
    it('is well-formed: unique panel ids, a Prometheus query in every target', async () => {
      const dashboard = JSON.parse(await readFile(join(ROOT, 'deploy/grafana/passerelle.json'), 'utf8')) as {
        uid: string;
        panels: Array<{ id: number; title: string; datasource: { type: string }; targets: Array<{ expr: string; refId: string }> }>;
      };

      expect(dashboard.uid).toBe('passerelle-hub');
      expect(new Set(dashboard.panels.map((p) => p.id)).size).toBe(dashboard.panels.length);
      for (const panel of dashboard.panels) {
        expect({ title: panel.title, type: panel.datasource.type, targets: panel.targets.length > 0 }).toEqual({ title: panel.title, type: 'prometheus', targets: true });
        for (const target of panel.targets) expect(target.expr.trim()).not.toBe('');
      }
    });
  });

  describe('Compose file', () => {
    it('passes docker-compose config, with every component from one image on the secured listener, Kafka, PostgreSQL and Prometheus', async () => {
      const { dockerCompose } = testOperationsTools();

      const result = await run(dockerCompose, ['-f', 'deploy/compose.yaml', 'config'], { env: { PASSERELLE_KAFKA_KEYSTORE_PASSWORD: 'test-only' } });
      expect(result.code).toBe(0);
      type Service = { image?: string; environment?: Record<string, string>; secrets?: Array<{ source: string; target: string }>; depends_on?: Record<string, unknown> };
      const config = parse(result.output) as { services: Record<string, Service> };
      expect(Object.keys(config.services).sort()).toEqual([...COMPONENTS, 'kafka', 'postgres', 'prometheus'].sort());
      for (const component of COMPONENTS) {
        const service = config.services[component]!;
        expect(service).toMatchObject({
          image: 'passerelle:latest',
          environment: { PASSERELLE_TARGET: component, KAFKA_BROKERS: 'kafka:19092', KAFKA_CA_FILE: '/run/secrets/kafka-ca', PASSERELLE_KAFKA_ISSUER_KEYS: '/run/secrets/kafka-issuer-keys' },
        });
        expect(service.environment).not.toHaveProperty('KAFKA_SECURITY');
        expect(service.secrets!.map((s) => s.target).sort()).toEqual(['kafka-ca', 'kafka-issuer-keys', 'postgres-password']);
        // The federation grants the others' ACLs: they start after it.
        if (component !== 'federation') expect(Object.keys(service.depends_on!)).toContain('federation');
      }
      expect(config.services.kafka!.environment).toMatchObject({
        KAFKA_PROCESS_ROLES: 'broker,controller',
        KAFKA_ADVERTISED_LISTENERS: expect.stringContaining('INTERNAL://kafka:19092'),
        KAFKA_LISTENER_SECURITY_PROTOCOL_MAP: 'INTERNAL:SASL_SSL,EXTERNAL:SASL_SSL,CONTROLLER:PLAINTEXT',
        KAFKA_LISTENERS: expect.stringContaining('CONTROLLER://localhost:9094'),
        KAFKA_SASL_OAUTHBEARER_JWT_VALIDATOR_CLASS: 'org.apache.kafka.common.security.oauthbearer.BrokerJwtValidator',
        KAFKA_SUPER_USERS: 'User:hub_admin',
        KAFKA_ALLOW_EVERYONE_IF_NO_ACL_FOUND: 'false',
      });
    }, 60_000);

    it('refuses to resolve without the Kafka keystore password, saying which variable to set', async () => {
      const { dockerCompose } = testOperationsTools();

      const result = await run(dockerCompose, ['-f', 'deploy/compose.yaml', 'config'], { env: { PASSERELLE_KAFKA_KEYSTORE_PASSWORD: undefined } });
      expect(result.code).not.toBe(0);
      expect(result.output).toContain('set PASSERELLE_KAFKA_KEYSTORE_PASSWORD to the password of deploy/compose/secrets/kafka.p12');
    }, 60_000);
  });

  describe('Kubernetes manifests', () => {
    const validate = (...files: string[]) => run(process.execPath, ['scripts/validate-k8s.mjs', ...files]);

    it('validate against the official Kubernetes schemas', async () => {
      const result = await validate();

      expect(result.code).toBe(0);
      expect(result.output).not.toContain('✗');
      expect(result.output.match(/^✓ .*Deployment\//gm)).toHaveLength(COMPONENTS.length);
    }, 60_000);

    it('would refuse a manifest the API server refuses, naming the field', async () => {
      const dir = await mkdtemp(join(tmpdir(), 'passerelle-k8s-'));
      try {
        const ledger = await readFile(join(ROOT, 'deploy/k8s/ledger.yaml'), 'utf8');
        await writeFile(join(dir, 'ledger.yaml'), ledger.replace('replicas: 2', 'replicas: two').replace('port: http\n', 'port: {}\n'));
        const result = await validate(join(dir, 'ledger.yaml'));

        expect(result.code).toBe(1);
        expect(result.output).toContain('✗');
        expect(result.output).toMatch(/Deployment\/passerelle-ledger: .*replicas must be integer/);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    }, 60_000);

    it('run each component as a Deployment probed on its health routes, non-root, with resources and a disruption budget', async () => {
      const documents: Manifest[] = [];
      for (const file of (await readdir(join(ROOT, 'deploy/k8s'))).filter((f) => f.endsWith('.yaml'))) {
        documents.push(...parseAllDocuments(await readFile(join(ROOT, 'deploy/k8s', file), 'utf8')).map((d) => d.toJS() as Manifest));
      }
      const of = (kind: string) => documents.filter((d) => d.kind === kind);

      for (const component of COMPONENTS) {
        const deployment = of('Deployment').find((d) => d.metadata.name === `passerelle-${component}`)!;
        const container = deployment.spec.template.spec.containers[0];
        expect({
          target: container.env.find((e: { name: string }) => e.name === 'PASSERELLE_TARGET')?.value,
          readiness: container.readinessProbe.httpGet.path,
          liveness: container.livenessProbe.httpGet.path,
          limits: Object.keys(container.resources.limits).sort(),
          requests: Object.keys(container.resources.requests).sort(),
          nonRoot: deployment.spec.template.spec.securityContext.runAsNonRoot,
          database: container.envFrom.some((e: { secretRef?: { name: string } }) => e.secretRef?.name === 'passerelle-database'),
        }).toEqual({ target: component, readiness: '/health/ready', liveness: '/health/live', limits: ['cpu', 'memory'], requests: ['cpu', 'memory'], nonRoot: true, database: true });
        const budgets = of('PodDisruptionBudget').filter((p) => p.spec.selector.matchLabels['app.kubernetes.io/component'] === component);
        expect(budgets).toHaveLength(1);
      }
      expect(of('Secret').map((s) => s.metadata.name).sort()).toEqual(['passerelle-database', 'passerelle-hub-key', 'passerelle-kafka-client']);
      // Every component on the secured listener, its key ring and CA from the mounted Secret.
      const settings = of('ConfigMap').find((c) => c.metadata.name === 'passerelle')!.data;
      const client = of('Secret').find((s) => s.metadata.name === 'passerelle-kafka-client')!;
      expect(settings).toMatchObject({ KAFKA_BROKERS: 'kafka.passerelle.svc:9093', KAFKA_CA_FILE: '/var/run/secrets/passerelle/kafka/ca.pem', PASSERELLE_KAFKA_ISSUER_KEYS: '/var/run/secrets/passerelle/kafka/issuer-keys.json' });
      expect(settings).not.toHaveProperty('KAFKA_SECURITY');
      expect(Object.keys(client.stringData).sort()).toEqual(['ca.pem', 'issuer-keys.json']);
      for (const deployment of of('Deployment')) {
        const pod = deployment.spec.template.spec;
        expect({ name: deployment.metadata.name, mount: pod.containers[0].volumeMounts.find((m: { mountPath: string }) => m.mountPath === '/var/run/secrets/passerelle/kafka')?.name }).toEqual({ name: deployment.metadata.name, mount: 'kafka-client' });
        expect(pod.volumes.find((v: { name: string }) => v.name === 'kafka-client').secret.secretName).toBe('passerelle-kafka-client');
      }
      // One relay per hub: never two during a rollout.
      expect(of('Deployment').find((d) => d.metadata.name === 'passerelle-relay')!.spec).toMatchObject({ replicas: 1, strategy: { type: 'Recreate' } });
    });
  });

  describe('container image', () => {
    it('is built in stages, runs as a non-root user, and picks its target from PASSERELLE_TARGET', async () => {
      const dockerfile = await readFile(join(ROOT, 'deploy/Dockerfile'), 'utf8');
      const stages = [...dockerfile.matchAll(/^FROM \S+ AS (\S+)$/gm)].map((m) => m[1]);
      const runtime = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));

      expect(stages).toEqual(['build', 'runtime']);
      expect(runtime).toMatch(/^USER node$/m);
      expect(runtime).not.toMatch(/npm ci|swc/);
      expect(runtime).toContain('ENTRYPOINT ["node", "/app/start.js"]');
    });
  });
});

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- manifests are checked against the schemas above; here only read
type Manifest = any;
