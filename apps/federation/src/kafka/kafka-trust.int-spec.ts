import { inboundTopic, outboundTopic, receiptsTopic } from '@passerelle/contracts';
import { PostgresDatabase } from '@passerelle/database';
import { HubKeyRing } from '@passerelle/identity';
import { KafkaAccessControl, KafkaBus, type IncomingMessage } from '@passerelle/messaging';
import { runTarget, type RunningTarget } from '@passerelle/platform';
import {
  admitTestOrganization,
  createScratchDatabase,
  testKafkaConnection,
  testKafkaEnv,
  testKafkaSecurity,
  type ScratchDatabase,
  type TestOrganization,
} from '@passerelle/testing';
import { generateKeyPair, SignJWT } from 'jose';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { federationComponent } from '..';

/**
 * The Kafka path secured by the broker itself, on the real broker: the federation target
 * issues tokens (RFC 8693 exchange) and keeps the ACLs; each organization connects with its
 * exchanged token and can do exactly what its membership says. Every refusal is named.
 */
describe('trust on Kafka: tokens the broker verifies, ACLs that follow the federation', () => {
  let scratch: ScratchDatabase;
  let db: PostgresDatabase;
  let federation: RunningTarget;
  let admin: KafkaBus;
  let ring: HubKeyRing;
  let a: TestOrganization;
  let b: TestOrganization;
  let suspended: TestOrganization;
  const clients: KafkaBus[] = [];
  const security = () => {
    const s = testKafkaSecurity();
    if (s.kind !== 'sasl_ssl') throw new Error('these tests need the secured broker');
    return s;
  };

  beforeAll(async () => {
    scratch = await createScratchDatabase();
    db = await PostgresDatabase.open({ url: scratch.url });
    a = await admitTestOrganization(db, ['publisher', 'subscriber']);
    b = await admitTestOrganization(db, ['publisher', 'subscriber']);
    suspended = await admitTestOrganization(db, ['publisher', 'subscriber']);
    ring = HubKeyRing.open(security().issuerKeys);
    admin = new KafkaBus(testKafkaConnection(undefined, 'trust-admin'));
    await admin.ensureTopics([a, b, suspended].flatMap((o) => [inboundTopic(o.id), outboundTopic(o.id), receiptsTopic(o.id)]));
    federation = await runTarget('federation', [federationComponent], {
      ...testKafkaEnv(),
      DATABASE_URL: scratch.url,
      PASSERELLE_GROUP_PREFIX: `trust-${randomUUID()}`,
      PASSERELLE_KAFKA_TOKEN_TTL: '30',
      PASSERELLE_KAFKA_ACL_RESYNC: '2',
      PORT: '0',
      LOG_LEVEL: 'silent',
    });
    await admin.publish(outboundTopic(a.id), [{ key: 'case-a', value: 'for a' }]);
    await admin.publish(outboundTopic(b.id), [{ key: 'case-b', value: 'for b' }]);
    await admin.publish(receiptsTopic(b.id), [{ key: 'case-b', value: 'receipt for b' }]);
  }, 120_000);

  afterAll(async () => {
    await Promise.allSettled(clients.map((c) => c.close()));
    await admin?.close();
    await federation?.app.close();
    await db?.close();
    await scratch?.drop();
  });

  async function exchange(fields: Record<string, string>): Promise<{ status: number; body: Record<string, unknown> }> {
    const response = await fetch(`${federation.url}/oauth/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields) });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  const exchangeFor = async (org: TestOrganization) =>
    exchange({
      grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
      subject_token: await org.token(['publisher', 'subscriber']),
      subject_token_type: 'urn:ietf:params:oauth:token-type:access_token',
      audience: 'urn:passerelle:kafka',
    });

  /** An organization's own client, fetching its Kafka token through the exchange at every (re)authentication. */
  function clientOf(org: TestOrganization, onExchange?: () => void): KafkaBus {
    const bus = new KafkaBus({
      brokers: testKafkaConnection().brokers,
      clientId: `trust-${org.id}`,
      ssl: { ca: [readFileSync(security().caFile, 'utf8')] },
      createTopics: false,
      token: async () => {
        const { status, body } = await exchangeFor(org);
        if (status !== 200) throw new Error(`token exchange refused: ${JSON.stringify(body)}`);
        onExchange?.();
        return { value: body.access_token as string, expiresAt: Date.now() + (body.expires_in as number) * 1000 };
      },
    });
    clients.push(bus);
    return bus;
  }

  /** A client presenting one fixed token, as an attacker would. */
  function clientWithToken(value: string): KafkaBus {
    const bus = new KafkaBus({ brokers: testKafkaConnection().brokers, clientId: 'trust-attacker', ssl: { ca: [readFileSync(security().caFile, 'utf8')] }, createTopics: false, token: async () => ({ value, expiresAt: Date.now() + 60_000 }) });
    clients.push(bus);
    return bus;
  }

  /** kafkajs nests broker errors (aggregate, retries exceeded): the broker's own error name. */
  function brokerError(err: unknown): string {
    const e = err as { type?: string; message?: string; originalError?: unknown; errors?: unknown[]; cause?: unknown };
    if (e.type) return e.type;
    if (e.message?.startsWith('SASL_AUTHENTICATION_FAILED')) return 'SASL_AUTHENTICATION_FAILED';
    for (const inner of [e.originalError, e.cause, ...(e.errors ?? [])]) if (inner) return brokerError(inner);
    return `${(err as Error).name}: ${e.message}`;
  }

  async function refusal(operation: Promise<unknown>): Promise<string> {
    try {
      await operation;
    } catch (err) {
      return brokerError(err);
    }
    return 'allowed';
  }

  const read = (bus: KafkaBus, groupId: string, topic: string, received: IncomingMessage[] = []) =>
    bus.subscribe({ groupId, topics: [topic], fromBeginning: true, handleBatch: async (messages) => void received.push(...messages) });

  const until = async (what: string, check: () => boolean | Promise<boolean>, timeoutMs = 60_000) => {
    const deadline = Date.now() + timeoutMs;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  };

  describe('token exchange (RFC 8693)', () => {
    it("exchanges an organization's own token for a short-lived hub token for Kafka", async () => {
      const { status, body } = await exchangeFor(a);

      expect(status).toBe(200);
      expect(body).toMatchObject({ issued_token_type: 'urn:ietf:params:oauth:token-type:access_token', token_type: 'Bearer', expires_in: 30 });
      const [header, claims] = (body.access_token as string).split('.').slice(0, 2).map((p) => JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, unknown>);
      expect(header).toMatchObject({ alg: 'ES256', kid: ring.signingKey().kid });
      expect(claims).toMatchObject({ iss: 'urn:passerelle:hub', aud: 'urn:passerelle:kafka', sub: a.id, jti: expect.any(String) });
      expect((claims!.exp as number) - (claims!.iat as number)).toBe(30);
    });

    it('publishes the keys the broker verifies with at /.well-known/jwks.json', async () => {
      const response = await fetch(`${federation.url}/.well-known/jwks.json`);
      const jwks = (await response.json()) as { keys: Array<{ kid: string; d?: string }> };

      expect(response.status).toBe(200);
      expect(jwks.keys.map((k) => k.kid)).toContain(ring.signingKey().kid);
      expect(jwks.keys.every((k) => k.d === undefined)).toBe(true);
      expect(jwks).toEqual(JSON.parse(readFileSync(ring.jwksFile, 'utf8')));
    });

    it.each([
      [{ grant_type: 'client_credentials' }, 'unsupported_grant_type', 'grant_type must be urn:ietf:params:oauth:grant-type:token-exchange, not "client_credentials"'],
      [{ subject_token: undefined }, 'invalid_request', 'subject_token is missing: give the token your own issuer signed'],
      [{ subject_token_type: 'urn:ietf:params:oauth:token-type:saml2' }, 'invalid_request', 'subject_token_type must be'],
      [{ audience: 'urn:passerelle:other' }, 'invalid_target', 'tokens are issued here for urn:passerelle:kafka only, not "urn:passerelle:other"'],
      [{ subject_token: 'not-a-jwt' }, 'invalid_grant', 'TOKEN.MALFORMED'],
    ])('refuses %j with an OAuth error body: %s', async (override, error, description) => {
      const fields: Record<string, string | undefined> = {
        grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
        subject_token: await a.token(),
        subject_token_type: 'urn:ietf:params:oauth:token-type:access_token',
        ...override,
      };
      const { status, body } = await exchange(Object.fromEntries(Object.entries(fields).filter((e): e is [string, string] => e[1] !== undefined)));

      expect(status).toBe(400);
      expect(body.error).toBe(error);
      expect(body.error_description).toContain(description);
    });

    it('refuses a subject token signed by a key the federation does not hold for that issuer (invalid_grant)', async () => {
      const { privateKey } = await generateKeyPair('ES256');
      const forged = await new SignJWT({ roles: ['publisher'] })
        .setProtectedHeader({ alg: 'ES256', kid: a.kid, typ: 'at+jwt' })
        .setIssuer(a.issuer)
        .setAudience('urn:passerelle:hub')
        .setSubject(`${a.id}/intruder`)
        .setIssuedAt()
        .setExpirationTime('5m')
        .setJti(randomUUID())
        .sign(privateKey);
      const { status, body } = await exchange({ grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange', subject_token: forged, subject_token_type: 'urn:ietf:params:oauth:token-type:jwt' });

      expect(status).toBe(400);
      expect(body).toMatchObject({ error: 'invalid_grant', error_description: expect.stringContaining('TOKEN.') });
    });
  });

  describe('the broker authenticates every client itself', () => {
    const claims = (over: { sub?: string; aud?: string; iss?: string } = {}) => ({ sub: over.sub ?? 'hub_admin', aud: over.aud ?? 'urn:passerelle:kafka', iss: over.iss ?? 'urn:passerelle:hub' });
    const sign = async (key: Parameters<SignJWT["sign"]>[0], kid: string, c: ReturnType<typeof claims>, exp: number | string = '5m') =>
      new SignJWT({}).setProtectedHeader({ alg: 'ES256', kid }).setIssuer(c.iss).setAudience(c.aud).setSubject(c.sub).setIssuedAt().setExpirationTime(exp).setJti(randomUUID()).sign(key);
    const hubKey = async () => {
      const { importJWK } = await import('jose');
      const key = ring.signingKey();
      return { key: await importJWK(key.privateJwk, "ES256"), kid: key.kid };
    };

    it.each([
      ['a token forged with an unknown key, claiming the super user hub_admin', async () => sign((await generateKeyPair('ES256')).privateKey, ring.signingKey().kid, claims())],
      ['a token forged with an unknown key, claiming the ledger', async () => sign((await generateKeyPair('ES256')).privateKey, ring.signingKey().kid, claims({ sub: 'hub_ledger' }))],
      ['a token with an unknown kid', async () => sign((await hubKey()).key, 'hub-unknown', claims())],
      ['an expired token', async () => sign((await hubKey()).key, (await hubKey()).kid, claims(), Math.floor(Date.now() / 1000) - 120)],
      ['a token for another audience', async () => sign((await hubKey()).key, (await hubKey()).kid, claims({ aud: 'urn:passerelle:hub' }))],
      ['a token from another issuer', async () => sign((await hubKey()).key, (await hubKey()).kid, claims({ iss: 'urn:passerelle:issuer:someone' }))],
      [
        'an unsigned token (alg none)',
        async () => {
          const part = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
          return `${part({ alg: 'none', typ: 'JWT' })}.${part({ ...claims(), iat: Math.floor(Date.now() / 1000), exp: Math.floor(Date.now() / 1000) + 300 })}.`;
        },
      ],
      ["an organization's own-issuer token presented straight to Kafka", async () => a.token(['publisher', 'subscriber'])],
    ])('refuses %s: SASL_AUTHENTICATION_FAILED', async (_case, token) => {
      const attacker = clientWithToken(await token());

      expect(await refusal(attacker.ping())).toBe('SASL_AUTHENTICATION_FAILED');
    }, 60_000);

    it('logs why, on the broker side, for each refused token', () => {
      const log = readFileSync(process.env.PASSERELLE_TEST_KAFKA_LOG!, 'utf8');

      expect(log).toMatch(/Failed authentication with \/127\.0\.0\.1/);
      expect(log).toMatch(/JWT rejected due to invalid signature|invalid signature/);
      expect(log).toMatch(/Unable to find a suitable verification key for JWS w\/ header \{"alg":"ES256","kid":"hub-unknown"\}/);
      expect(log).toMatch(/Audience \(aud\) claim \[urn:passerelle:hub\] doesn't contain an acceptable identifier/);
    });
  });

  describe('ACLs derived from the federation', () => {
    it('lets an organization read its own outbound topic, and it sees its own events and nothing else', async () => {
      const received: IncomingMessage[] = [];
      await read(clientOf(a), `${a.id}.reader`, outboundTopic(a.id), received);

      await until('a’s own outbound event', () => received.length >= 1);
      expect(received.map((m) => m.value.toString())).toEqual(['for a']);
    }, 90_000);

    it("refuses reading another organization's outbound topic: TOPIC_AUTHORIZATION_FAILED", async () => {
      expect(await refusal(read(clientOf(a), `${a.id}.spy`, outboundTopic(b.id)))).toBe('TOPIC_AUTHORIZATION_FAILED');
    }, 90_000);

    it('repairs a drifted broker: a grant made by hand, not by the federation, is withdrawn', async () => {
      const rogue = new KafkaAccessControl(testKafkaConnection(undefined, 'trust-rogue'));
      await rogue.reconcile([{ principal: a.id, resource: 'topic', pattern: 'literal', name: outboundTopic(b.id), operation: 'read' }], () => false);
      await rogue.close();
      const bus = clientOf(a);

      // Each probe's consumer is closed again when it was let in, so probes do not pile up.
      const probe = async () => {
        try {
          await (await read(bus, `${a.id}.drift-${randomUUID()}`, outboundTopic(b.id))).close();
          return 'allowed';
        } catch (err) {
          return brokerError(err);
        }
      };
      await until('the hand-made grant withdrawn', async () => (await probe()) === 'TOPIC_AUTHORIZATION_FAILED', 150_000);
    }, 180_000);

    it("refuses reading another organization's receipts: TOPIC_AUTHORIZATION_FAILED", async () => {
      expect(await refusal(read(clientOf(a), `${a.id}.spy`, receiptsTopic(b.id)))).toBe('TOPIC_AUTHORIZATION_FAILED');
    }, 90_000);

    it("refuses writing into another organization's inbound topic, and accepts writing into its own", async () => {
      const bus = clientOf(a);

      expect(await refusal(bus.publish(inboundTopic(b.id), [{ key: 'case-x', value: 'impersonation' }]))).toBe('TOPIC_AUTHORIZATION_FAILED');
      await expect(bus.publish(inboundTopic(a.id), [{ key: 'case-a', value: 'mine' }])).resolves.toBeUndefined();
    }, 90_000);

    it("refuses joining another organization's consumer group: the broker answers GROUP_AUTHORIZATION_FAILED", async () => {
      // kafkajs swallows the broker's GROUP_AUTHORIZATION_FAILED while looking for the group's
      // coordinator and reports that none was found; the broker's log names the denial.
      expect(await refusal(read(clientOf(a), `${b.id}.reader`, outboundTopic(a.id)))).toBe('KafkaJSGroupCoordinatorNotFound: Failed to find group coordinator');
      expect(readFileSync(process.env.PASSERELLE_TEST_KAFKA_LOG!, 'utf8')).toContain(
        `Principal = User:${a.id} is Denied operation = DESCRIBE from host = 127.0.0.1 on resource = Group:LITERAL:${b.id}.reader for request = FindCoordinator`,
      );
    }, 90_000);

    it('refuses creating topics: TOPIC_AUTHORIZATION_FAILED', async () => {
      expect(await refusal(clientOf(a).ensureTopics([`passerelle.outbound.${a.id}-copy`]))).toBe('TOPIC_AUTHORIZATION_FAILED');
    }, 90_000);

    it('names each denial in the broker log (the authorizer)', () => {
      const log = readFileSync(process.env.PASSERELLE_TEST_KAFKA_LOG!, 'utf8');

      expect(log).toMatch(new RegExp(`Principal = User:${a.id.replace('.', '\\.')} is Denied operation = (WRITE|DESCRIBE) from host = 127\\.0\\.0\\.1 on resource = Topic:LITERAL:${inboundTopic(b.id).replace(/\./g, '\\.')} `));
      expect(log).toContain(`Principal = User:${a.id} is Denied operation = CREATE from host = 127.0.0.1 on resource = Topic:LITERAL:passerelle.outbound.${a.id}-copy`);
    });

    it('suspending an organization (its roles withdrawn) removes its ACLs at once and stops the exchange', async () => {
      const bus = clientOf(suspended);
      await bus.publish(inboundTopic(suspended.id), [{ key: 'case-s', value: 'before' }]);

      await db.query('INSERT INTO federation_events (type, data, actor) VALUES ($1, $2, $3)', ['RolesChanged', { id: suspended.id, roles: [] }, 'test/operator']);

      await until('the suspended organization’s write refused', async () => (await refusal(bus.publish(inboundTopic(suspended.id), [{ key: 'case-s', value: 'after' }]))) === 'TOPIC_AUTHORIZATION_FAILED');
      const { status, body } = await exchangeFor(suspended);
      expect(status).toBe(400);
      expect(body).toMatchObject({ error: 'invalid_grant', error_description: `${suspended.id} has no right on Kafka (neither publisher nor subscriber: suspended, or never granted)` });
    }, 90_000);
  });

  it('a token expiring mid-stream: the client re-authenticates with a fresh token and resumes, nothing lost', async () => {
    let exchanges = 0;
    const received: IncomingMessage[] = [];
    const topic = outboundTopic(b.id);
    await read(clientOf(b, () => exchanges++), `${b.id}.stream`, topic, received);
    const sent: string[] = ['for b'];
    // Tokens live 30 s (PASSERELLE_KAFKA_TOKEN_TTL): keep the stream going across two renewals.
    while (exchanges < 3) {
      const value = `event-${sent.length}`;
      await admin.publish(topic, [{ key: 'case-b', value }]);
      sent.push(value);
      await new Promise((r) => setTimeout(r, 500));
    }
    await until('every event sent across the renewals', () => received.length >= sent.length, 90_000);

    expect(received.map((m) => m.value.toString()).sort()).toEqual([...sent].sort());
    expect(exchanges).toBeGreaterThanOrEqual(3);
  }, 240_000);
});
