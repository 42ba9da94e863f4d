import { CompactSign, compactVerify, flattenedVerify, importJWK } from 'jose';
import { generateOrganizationKey, type OrganizationKey } from '../dev/dev-tools';
import { IdentityError, type IdentityErrorCode } from '../errors';
import { InMemoryDirectory, SIGNING_ALGORITHMS, type MemberOrganization } from '../federation';
import { KeyCache } from '../keys/key-cache';
import { envelopeOf, iso, member, T0, type TestEnvelope, type TestMember } from '../spec-fixtures';
import { canonicalEventBytes } from './canonical-event';
import { EVENT_SIGNATURE_TYP, EventSignatureVerifier, signEvent } from './event-signature';

function codeOf(run: () => unknown): IdentityErrorCode | 'ok' {
  try {
    run();
    return 'ok';
  } catch (error) {
    if (error instanceof IdentityError) return error.code;
    throw error;
  }
}

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('Event signatures', () => {
  let ramq: TestMember;
  let saaq: TestMember;

  beforeAll(async () => {
    ramq = await member('qc.ramq', 'ES256');
    saaq = await member('qc.saaq', 'ES256');
  });

  const verifierOf = (...orgs: MemberOrganization[]) => new EventSignatureVerifier(new InMemoryDirectory(orgs.length ? orgs : [ramq.org, saaq.org]));
  const signingKey = (key: OrganizationKey) => ({ privateJwk: key.privateJwk, kid: key.kid, alg: key.alg });

  describe.each(SIGNING_ALGORITHMS)('interoperability with jose, %s', (alg) => {
    let m: TestMember;
    beforeAll(async () => {
      m = await member('qc.mtess', alg);
    });

    it('Given an event signed by signEvent, Then jose flattenedVerify and compactVerify accept it with the payload put back', async () => {
      const envelope = envelopeOf('qc.mtess');
      const jws = await signEvent(envelope, signingKey(m.key));
      const [protectedHeader, detached, signature] = jws.split('.');
      expect(detached).toBe('');
      const payload = Buffer.from(canonicalEventBytes(envelope)).toString('base64url');
      const publicKey = await importJWK(m.key.publicJwk, alg);
      const flattened = await flattenedVerify({ protected: protectedHeader!, payload, signature: signature! }, publicKey, { algorithms: [alg] });
      expect(Buffer.from(flattened.payload).equals(Buffer.from(canonicalEventBytes(envelope)))).toBe(true);
      expect(flattened.protectedHeader).toEqual({ alg, kid: m.key.kid, typ: EVENT_SIGNATURE_TYP });
      await expect(compactVerify(`${protectedHeader}.${payload}.${signature}`, publicKey, { algorithms: [alg] })).resolves.toBeDefined();
    });

    it('Given an event signed with jose CompactSign (alg and kid only), Then our verifier accepts it once the payload is detached', async () => {
      const envelope = envelopeOf('qc.mtess');
      const privateKey = await importJWK(m.key.privateJwk, alg);
      const compact = await new CompactSign(canonicalEventBytes(envelope)).setProtectedHeader({ alg, kid: m.key.kid }).sign(privateKey);
      const [protectedHeader, , signature] = compact.split('.');
      const verified = verifierOf(m.org).verifySync(envelope, `${protectedHeader}..${signature}`, T0);
      expect(verified).toMatchObject({ organization: { id: 'qc.mtess' }, kid: m.key.kid, alg });
    });
  });

  describe('Given an event signed by RAMQ', () => {
    let envelope: TestEnvelope;
    let jws: string;
    beforeAll(async () => {
      envelope = envelopeOf('qc.ramq');
      jws = await signEvent(envelope, signingKey(ramq.key));
    });

    it('When verified as received now, Then it names the organization and key', async () => {
      await expect(verifierOf().verify(envelope, jws, T0)).resolves.toEqual({ organization: ramq.org, kid: ramq.key.kid, alg: 'ES256' });
    });

    it('When the hub re-serializes it (key order) and adds its commit attributes, Then it still verifies', () => {
      const reordered = Object.fromEntries(Object.entries(envelope).reverse()) as TestEnvelope;
      const committed = { ...reordered, caserevision: '7', logposition: '1234', prevhash: 'a'.repeat(64), hash: 'b'.repeat(64) };
      expect(codeOf(() => verifierOf().verifySync(committed, jws, T0))).toBe('ok');
      // As relayed under envelope v2, before v3: the same signature holds.
      const committedV2 = { ...reordered, sequence: 7, position: 1234, prevhash: 'a'.repeat(64), hash: 'b'.repeat(64) };
      expect(codeOf(() => verifierOf().verifySync(committedV2, jws, T0))).toBe('ok');
    });

    const changes: Array<[string, unknown]> = [
      ['specversion', '1.1'],
      ['id', '01J9Z6Y7X2ABCDEG'],
      ['type', 'passerelle.case.CaseClosed.v1'],
      ['subject', 'case-124'],
      ['time', '2026-03-01T11:59:00.001Z'],
      ['datacontenttype', 'application/xml'],
      ['dataschema', 'urn:passerelle:schema:case:CaseOpened:v2'],
      ['data', { owner: 'qc.ramq', reason: 'Déménagement', amount: 12.51, tags: ['a', 'b'] }],
      ['caseid', 'case-999'],
      ['channel', 'phone'],
      ['actor', 'agent-0000'],
      ['correlationid', 'corr-2'],
      ['dataclassification', 'public'],
      ['traceparent', '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01'],
    ];
    it.each(changes)('When %s is changed, Then SIGNATURE.INVALID', (attribute, value) => {
      expect(codeOf(() => verifierOf().verifySync({ ...envelope, [attribute]: value }, jws, T0))).toBe('SIGNATURE.INVALID');
    });

    it('When a nested data value, an array order or a removed attribute differs, Then SIGNATURE.INVALID', () => {
      const data = envelope.data as Record<string, unknown>;
      const { correlationid: _dropped, ...withoutCorrelation } = envelope;
      for (const tampered of [{ ...envelope, data: { ...data, reason: 'Demenagement' } }, { ...envelope, data: { ...data, tags: ['b', 'a'] } }, withoutCorrelation]) {
        expect(codeOf(() => verifierOf().verifySync(tampered, jws, T0))).toBe('SIGNATURE.INVALID');
      }
    });

    it('When the source claims SAAQ, Then SIGNATURE.KEY_UNKNOWN: RAMQ’s kid is not among SAAQ’s keys', () => {
      expect(codeOf(() => verifierOf().verifySync({ ...envelope, source: 'urn:passerelle:org:qc.saaq' }, jws, T0))).toBe('SIGNATURE.KEY_UNKNOWN');
    });

    it('When the source is not a member, or not an organization URN, Then SIGNATURE.SOURCE_UNKNOWN', () => {
      expect(codeOf(() => verifierOf().verifySync({ ...envelope, source: 'urn:passerelle:org:qc.nobody' }, jws, T0))).toBe('SIGNATURE.SOURCE_UNKNOWN');
      expect(codeOf(() => verifierOf().verifySync({ ...envelope, source: 'https://qc.ramq.example/' }, jws, T0))).toBe('SIGNATURE.SOURCE_UNKNOWN');
    });

    it('When signed by another key under RAMQ’s kid, Then SIGNATURE.INVALID', async () => {
      const other = await generateOrganizationKey('ES256', ramq.key.kid);
      const forged = await signEvent(envelope, signingKey(other));
      expect(codeOf(() => verifierOf().verifySync(envelope, forged, T0))).toBe('SIGNATURE.INVALID');
    });

    it('When verified 1 000 times, Then the key is imported once', () => {
      const keys = new KeyCache();
      const verifier = new EventSignatureVerifier(new InMemoryDirectory([ramq.org]), keys);
      for (let i = 0; i < 1000; i++) verifier.verifySync(envelope, jws, T0);
      expect(keys.imports).toBe(1);
    });
  });

  describe('Given RAMQ rotates its key, then later revokes the old one', () => {
    const rotation = iso(T0, 30 * 86_400);
    const revocation = iso(T0, 400 * 86_400);
    const receivedBefore = new Date(T0.getTime() + 86_400_000);
    let oldKey: OrganizationKey;
    let newKey: OrganizationKey;
    let envelope: TestEnvelope;
    let signedWithOld: string;
    beforeAll(async () => {
      oldKey = ramq.key;
      newKey = await generateOrganizationKey('ES256', 'qc.ramq-2');
      envelope = envelopeOf('qc.ramq');
      signedWithOld = await signEvent(envelope, signingKey(oldKey));
    });
    const ramqWith = (old: Partial<MemberOrganization['keys'][number]>): MemberOrganization => ({
      ...ramq.org,
      keys: [
        { ...ramq.org.keys[0]!, ...old },
        { kid: newKey.kid, alg: 'ES256', jwk: newKey.publicJwk, validFrom: rotation },
      ],
    });

    it('When an event received before the rotation is audited years later, Then it still verifies with the old key', () => {
      const verifier = verifierOf(ramqWith({ validUntil: rotation }));
      expect(codeOf(() => verifier.verifySync(envelope, signedWithOld, receivedBefore))).toBe('ok');
    });

    it('When an event signed with the old key is received after its validUntil, Then SIGNATURE.KEY_NOT_VALID_AT_TIME', () => {
      const verifier = verifierOf(ramqWith({ validUntil: rotation }));
      expect(codeOf(() => verifier.verifySync(envelope, signedWithOld, new Date(rotation)))).toBe('SIGNATURE.KEY_NOT_VALID_AT_TIME');
    });

    it('When an event signed with the new key is received before its validFrom, Then SIGNATURE.KEY_NOT_VALID_AT_TIME; after, it verifies', async () => {
      const verifier = verifierOf(ramqWith({ validUntil: rotation }));
      const signedWithNew = await signEvent(envelope, signingKey(newKey));
      expect(codeOf(() => verifier.verifySync(envelope, signedWithNew, receivedBefore))).toBe('SIGNATURE.KEY_NOT_VALID_AT_TIME');
      expect(codeOf(() => verifier.verifySync(envelope, signedWithNew, new Date(rotation)))).toBe('ok');
    });

    it('When the old key is revoked, Then events received before revokedAt still verify, and at or after it fail with SIGNATURE.KEY_REVOKED', () => {
      const verifier = verifierOf(ramqWith({ validUntil: rotation, revokedAt: revocation }));
      expect(codeOf(() => verifier.verifySync(envelope, signedWithOld, receivedBefore))).toBe('ok');
      expect(codeOf(() => verifier.verifySync(envelope, signedWithOld, new Date(revocation)))).toBe('SIGNATURE.KEY_REVOKED');
      expect(codeOf(() => verifier.verifySync(envelope, signedWithOld, new Date(Date.parse(revocation) + 1)))).toBe('SIGNATURE.KEY_REVOKED');
    });
  });

  describe('Given a signature that is not one we accept', () => {
    const envelope = envelopeOf('qc.ramq');
    const headerOf = (header: Record<string, unknown>) => `${b64({ alg: 'ES256', kid: 'qc.ramq-1', ...header })}..c2lnbmF0dXJl`;

    it('absent or empty → SIGNATURE.MISSING', () => {
      expect(codeOf(() => verifierOf().verifySync(envelope, undefined, T0))).toBe('SIGNATURE.MISSING');
      expect(codeOf(() => verifierOf().verifySync(envelope, '', T0))).toBe('SIGNATURE.MISSING');
    });

    it.each([
      ['an attached payload', async () => (await signEvent(envelope, signingKey(ramq.key))).replace('..', `.${b64(envelope)}.`)],
      ['two parts', async () => 'abc.def'],
      ['a header that is not JSON', async () => `${Buffer.from('not json').toString('base64url')}..c2ln`],
      ['alg none', async () => headerOf({ alg: 'none' })],
      ['alg HS256', async () => headerOf({ alg: 'HS256' })],
      ['a jku', async () => headerOf({ jku: 'https://attacker.example/jwks' })],
      ['an x5u', async () => headerOf({ x5u: 'https://attacker.example/cert' })],
      ['an embedded jwk', async () => headerOf({ jwk: ramq.key.publicJwk })],
      ['a crit', async () => headerOf({ crit: ['exp'] })],
      ['b64 false', async () => headerOf({ b64: false })],
      ['a token typ (at+jwt)', async () => headerOf({ typ: 'at+jwt' })],
      ['an unsafe kid', async () => headerOf({ kid: '../../etc/passwd' })],
      ['no signature', async () => `${b64({ alg: 'ES256', kid: 'qc.ramq-1' })}..`],
    ])('%s → SIGNATURE.MALFORMED', async (_case, make) => {
      const jws = await make();
      expect(codeOf(() => verifierOf().verifySync(envelope, jws, T0))).toBe('SIGNATURE.MALFORMED');
    });

    it('an alg that is allowed but not the key’s → SIGNATURE.INVALID', () => {
      expect(codeOf(() => verifierOf().verifySync(envelope, headerOf({ alg: 'EdDSA' }), T0))).toBe('SIGNATURE.INVALID');
    });
  });
});
