import { generateKeyPair, SignJWT } from 'jose';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { KafkaAccessControl } from '../kafka/kafka-access';
import { messageBusContract } from '../message-bus.contract';
import { PlatformaticBus } from './platformatic-bus';
import { testKafkaConnection, testKafkaSecurity } from '@passerelle/testing';

messageBusContract('kafka (@platformatic/kafka)', async () => new PlatformaticBus(testKafkaConnection(undefined, 'contract-test-platformatic')), 60_000);

/** What the broker refuses, as this adapter reports it (kafka-trust.int-spec.ts covers kafkajs with the federation). */
describe('@platformatic/kafka on the secured broker: refusals named', () => {
  const buses: PlatformaticBus[] = [];
  const open = (bus: PlatformaticBus) => (buses.push(bus), bus);
  afterAll(async () => {
    await Promise.all(buses.map((b) => b.close()));
  });
  const secured = () => {
    const s = testKafkaSecurity();
    if (s.kind !== 'sasl_ssl') throw new Error('these tests need the secured broker');
    return s;
  };

  it('refuses a token signed by an unknown key, naming the token the client presented', async () => {
    const forged = await new SignJWT({})
      .setProtectedHeader({ alg: 'ES256', kid: 'forged-kid' })
      .setIssuer('urn:passerelle:hub')
      .setAudience('urn:passerelle:kafka')
      .setSubject('hub_admin')
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign((await generateKeyPair('ES256')).privateKey);
    const attacker = open(
      new PlatformaticBus({
        brokers: testKafkaConnection().brokers,
        clientId: 'platformatic-attacker',
        ssl: { ca: [readFileSync(secured().caFile, 'utf8')] },
        createTopics: false,
        token: async () => ({ value: forged, expiresAt: Date.now() + 60_000 }),
      }),
    );

    await expect(attacker.ping()).rejects.toThrow(
      /^SASL_AUTHENTICATION_FAILED: the broker at .+ refused the OAUTHBEARER token \(sub hub_admin, iss urn:passerelle:hub, aud "urn:passerelle:kafka", kid forged-kid, alg ES256, exp .+\)/,
    );
  }, 60_000);

  it('refuses a member reading a topic it has no grant on: TOPIC_AUTHORIZATION_FAILED, before joining any group', async () => {
    const topic = `contract.acl.${randomUUID()}`;
    await open(new PlatformaticBus(testKafkaConnection(undefined, 'platformatic-admin'))).ensureTopics([topic]);
    const member = open(new PlatformaticBus({ ...testKafkaConnection('demo.stranger', 'platformatic-stranger'), createTopics: false }));

    await expect(member.subscribe({ groupId: `demo.stranger.${randomUUID()}`, topics: [topic], handleBatch: async () => undefined })).rejects.toMatchObject({
      type: 'TOPIC_AUTHORIZATION_FAILED',
    });
  }, 60_000);

  it('rejects subscribe when the consumer can never join: a topic it may read, a group it may not', async () => {
    const topic = `contract.group-acl.${randomUUID()}`;
    const principal = `demo.reader-${randomUUID().slice(0, 8)}`;
    await open(new PlatformaticBus(testKafkaConnection(undefined, 'platformatic-admin'))).ensureTopics([topic]);
    const access = new KafkaAccessControl(testKafkaConnection(undefined, 'platformatic-acl'));
    try {
      await access.reconcile([{ principal, resource: 'topic', pattern: 'literal', name: topic, operation: 'read' }], (p) => p === principal);
    } finally {
      await access.close();
    }
    const member = open(new PlatformaticBus({ ...testKafkaConnection(principal, 'platformatic-reader'), createTopics: false }));

    await expect(member.subscribe({ groupId: `someone-else.${randomUUID()}`, topics: [topic], handleBatch: async () => undefined })).rejects.toMatchObject({
      type: 'GROUP_AUTHORIZATION_FAILED',
    });
  }, 60_000);
});
