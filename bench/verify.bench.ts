import canonicalize from 'canonicalize';
import { createPublicKey, verify } from 'node:crypto';
import { EventSignatureVerifier, generateOrganizationKey, InMemoryDirectory, mintToken, signEvent, TokenVerifier, type MemberOrganization, type SigningAlgorithm } from '@passerelle/identity';
import { compare, type Figure } from './measure';

const EVENTS = 2_000;
const TOKENS = 2_000;

/** A ~1.1 KB case event envelope. */
function envelope(n: number) {
  return {
    specversion: '1.0',
    id: `evt-${n}`,
    source: 'urn:passerelle:org:qc.ramq',
    type: 'passerelle.case.ServiceRequested.v1',
    time: '2026-11-30T09:00:00Z',
    datacontenttype: 'application/json',
    dataschema: 'urn:passerelle:schema:case:ServiceRequested:v1',
    caseid: `case-${n % 100}`,
    channel: 'counter',
    actor: 'agent-7f3a',
    dataclassification: 'internal',
    data: { service: `svc-${n}`, description: 'x'.repeat(700), requestedAt: '2026-11-30T09:00:00Z', provider: 'qc.ramq' },
  };
}

const DSA: Partial<Record<SigningAlgorithm, 'ieee-p1363'>> = { ES256: 'ieee-p1363' };
const HASH: Record<SigningAlgorithm, string | null> = { ES256: 'sha256', EdDSA: null, RS256: 'sha256', PS256: 'sha256' };

/**
 * Signature and token verification with the project's code — event signatures over the JCS
 * envelope on keys imported once; tokens through every check of the TokenVerifier, each token
 * new (no cache) — against raw node:crypto verification of the same bytes with a pre-imported
 * key, which does no canonicalization, no parsing and no policy.
 */
export async function verifyBenchmark(): Promise<Figure[]> {
  const figures: Figure[] = [];
  for (const alg of ['ES256', 'EdDSA'] as const) {
    const key = await generateOrganizationKey(alg, `qc.ramq-${alg}`);
    const org: MemberOrganization = { id: 'qc.ramq', name: 'RAMQ', issuers: ['urn:passerelle:issuer:qc.ramq'], roles: ['publisher'], keys: [{ kid: key.kid, alg, jwk: key.publicJwk, validFrom: '2026-01-01T00:00:00Z' }] };
    const directory = new InMemoryDirectory([org]);
    const signing = { privateJwk: key.privateJwk, kid: key.kid, alg };
    const publicKey = createPublicKey({ key: key.publicJwk, format: 'jwk' });
    const raw = (input: Buffer, signature: Buffer) => verify(HASH[alg], input, DSA[alg] ? { key: publicKey, dsaEncoding: DSA[alg] } : publicKey, signature);

    // Event signatures.
    const events = await Promise.all(Array.from({ length: EVENTS }, async (_, n) => ({ envelope: envelope(n), signature: await signEvent(envelope(n), signing) })));
    const rawEvents = events.map(({ envelope: e, signature }) => {
      const [header, , sig] = signature.split('.');
      return { input: Buffer.from(`${header}.${Buffer.from(canonicalize(e)!).toString('base64url')}`), signature: Buffer.from(sig!, 'base64url') };
    });
    const verifier = new EventSignatureVerifier(directory);
    const at = new Date('2026-11-30T10:00:00Z');
    figures.push(
      await compare(
        `verify event signature ${alg}`,
        'events/s',
        EVENTS,
        () => {
          for (const e of events) verifier.verifySync(e.envelope, e.signature, at);
        },
        {
          name: 'raw node:crypto, pre-imported key',
          run: () => {
            for (const e of rawEvents) if (!raw(e.input, e.signature)) throw new Error('raw verify failed');
          },
        },
        { goalRatio: 0.8, note: 'ours canonicalizes (JCS) each envelope; the baseline verifies prepared bytes' },
      ),
    );

    // Tokens: each one new, so every one is fully checked (no verified-token cache hit).
    const tokens = await Promise.all(
      Array.from({ length: TOKENS * 2 }, (_, n) => mintToken({ iss: org.issuers[0]!, sub: `agent-${n}`, roles: ['publisher'], ttlSeconds: 600, jti: `t-${n}` }, signing)),
    );
    let round = 0;
    const nextTokens = () => {
      // Alternate halves, and a fresh verifier, so no round meets a token it already cached.
      const half = tokens.slice((round % 2) * TOKENS, (round % 2) * TOKENS + TOKENS);
      round += 1;
      return half;
    };
    const rawTokens = tokens.slice(0, TOKENS).map((t) => {
      const [header, payload, sig] = t.split('.');
      return { input: Buffer.from(`${header}.${payload}`), signature: Buffer.from(sig!, 'base64url') };
    });
    figures.push(
      await compare(
        `verify token ${alg}, all in flight`,
        'tokens/s',
        TOKENS,
        async () => {
          const tokenVerifier = new TokenVerifier(directory);
          await Promise.all(nextTokens().map((t) => tokenVerifier.verify(t, 'publisher')));
        },
        {
          name: 'raw node:crypto, pre-imported key',
          run: () => {
            for (const t of rawTokens) if (!raw(t.input, t.signature)) throw new Error('raw verify failed');
          },
        },
        { goalRatio: 0.8, note: 'ours: header checks, key lookup and state, node:crypto on the key imported once, the claims by jose\'s rules' },
      ),
    );
  }
  return figures;
}
