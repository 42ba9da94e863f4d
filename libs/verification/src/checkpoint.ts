import canonicalize from 'canonicalize';
import { compactVerify, CompactSign, importJWK, type JWK } from 'jose';

/**
 * A signed checkpoint: the hub's own statement, at an instant, of every stream's head (as a
 * Merkle root) and of the log's position. A history rewritten after a checkpoint — even with
 * every hash recomputed — no longer leads to the root the hub signed.
 */
export interface CheckpointPayload {
  format: 'passerelle-checkpoint/1';
  /** The log position the heads are consistent with (decimal). */
  position: string;
  at: string;
  streams: number;
  root: string;
}

export const CHECKPOINT_TYP = 'passerelle-checkpoint+jws';

export interface HubSigningKey {
  kid: string;
  alg: 'ES256';
  privateJwk: JWK;
  publicJwk: JWK;
}

export class CheckpointError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CheckpointError';
  }
}

/** JWS compact serialization over the JCS form of the payload, signed with the hub's key. */
export async function signCheckpoint(payload: CheckpointPayload, key: HubSigningKey): Promise<string> {
  const bytes = new TextEncoder().encode(canonicalize(payload)!);
  return new CompactSign(bytes).setProtectedHeader({ alg: key.alg, kid: key.kid, typ: CHECKPOINT_TYP }).sign(await importJWK(key.privateJwk, key.alg));
}

/** The payload of a checkpoint, once its signature checks out with one of the hub's public keys. */
export async function openCheckpoint(jws: string, hubKeys: readonly JWK[]): Promise<CheckpointPayload> {
  const kid = headerKid(jws);
  const key = hubKeys.find((k) => k.kid === kid);
  if (!key) throw new CheckpointError(`the checkpoint is signed with key ${JSON.stringify(kid)}, which is not a key of the hub`);
  try {
    const { payload, protectedHeader } = await compactVerify(jws, await importJWK(key, 'ES256'), { algorithms: ['ES256'] });
    if (protectedHeader.typ !== CHECKPOINT_TYP) throw new CheckpointError(`the signed object is a ${String(protectedHeader.typ)}, not a checkpoint`);
    const parsed = JSON.parse(new TextDecoder().decode(payload)) as CheckpointPayload;
    if (parsed.format !== 'passerelle-checkpoint/1') throw new CheckpointError(`unknown checkpoint format ${JSON.stringify(parsed.format)}`);
    return parsed;
  } catch (err) {
    if (err instanceof CheckpointError) throw err;
    throw new CheckpointError(`the checkpoint's signature does not verify: ${(err as Error).message}`);
  }
}

function headerKid(jws: string): unknown {
  try {
    return (JSON.parse(Buffer.from(jws.split('.')[0] ?? '', 'base64url').toString('utf8')) as { kid?: unknown }).kid;
  } catch {
    throw new CheckpointError('the checkpoint is not a compact JWS');
  }
}
