import { readFileSync } from 'node:fs';
import { hubPrincipal } from '@passerelle/contracts';
import { HubKeyRing } from '@passerelle/identity';
import type { KafkaConnectionOptions } from '@passerelle/messaging';
import { ConfigError, type BusConfig } from './config';

/**
 * How target `name` connects to Kafka: as its own principal (hub_<name>, or hub_admin for
 * the all-in-one hub and the federation), with tokens it signs with the hub's Kafka key
 * ring, over TLS trusting the configured CA. No password exists anywhere.
 */
export function kafkaConnection(bus: Extract<BusConfig, { kind: 'kafka' }>, name: string): KafkaConnectionOptions {
  const base = { brokers: bus.brokers, clientId: `passerelle-${name}` };
  if (bus.security.kind === 'plaintext') return base;
  const { caFile, issuerKeysFile, tokenTtlSeconds } = bus.security;
  let ca: string[] | undefined;
  if (caFile) {
    try {
      ca = [readFileSync(caFile, 'utf8')];
    } catch (err) {
      throw new ConfigError(`KAFKA_CA_FILE=${caFile} cannot be read: ${(err as Error).message}`);
    }
  }
  const ring = HubKeyRing.open(issuerKeysFile);
  const principal = hubPrincipal(name);
  return { ...base, ssl: ca ? { ca } : {}, token: () => ring.mint(principal, tokenTtlSeconds) };
}
