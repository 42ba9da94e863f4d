import { HubKeyRing } from '@passerelle/identity';
import type { PlatformConfig } from '@passerelle/platform';

/** Injection token: the hub's Kafka key ring, or null when the hub runs without a secured Kafka. */
export const KAFKA_TOKEN_ISSUER = Symbol('KAFKA_TOKEN_ISSUER');

/**
 * Opens the ring and republishes its JWKS without keys whose tokens have all expired, so a
 * retired key leaves the broker's trust once nothing it signed can still be live.
 */
export function openKafkaTokenIssuer(config: PlatformConfig): HubKeyRing | null {
  if (config.bus.kind !== 'kafka' || config.bus.security.kind !== 'sasl_ssl') return null;
  const ring = HubKeyRing.open(config.bus.security.issuerKeysFile);
  ring.republish();
  return ring;
}
