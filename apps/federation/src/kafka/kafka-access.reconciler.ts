import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { hubServiceAccess, managedByHub, organizationAccess } from '@passerelle/contracts';
import { FEDERATION_DIRECTORY, type FederationDirectory } from '@passerelle/identity';
import { accessRuleKey, KafkaAccessControl, type AccessRule } from '@passerelle/messaging';
import { kafkaConnection, PLATFORM_CONFIG, type PlatformConfig } from '@passerelle/platform';

/** How often the federation is compared with what was last applied (the fold itself refreshes every 2 s). */
const CHECK_MS = 1_000;

/** How often the broker's ACLs are compared with the federation's even when nothing changed (drift). */
function resyncMs(): number {
  const seconds = Number(process.env.PASSERELLE_KAFKA_ACL_RESYNC ?? 60);
  return Number.isFinite(seconds) && seconds >= 1 ? seconds * 1000 : 60_000;
}

/**
 * Keeps the broker's ACLs equal to what the federation says: each member's rights on its
 * own topics and groups, each hub service's least rights. At start-up it reconciles the
 * whole set (a drifted broker is repaired: a grant made by hand, or one left by a member
 * since suspended, is deleted); then, on every change of the federation (admission, roles
 * withdrawn), it applies the difference at once; and every PASSERELLE_KAFKA_ACL_RESYNC
 * seconds (60) it compares again with the broker, so a grant made by hand does not last.
 * Only on a secured Kafka: a plaintext or in-process bus has no ACLs to keep.
 */
@Injectable()
export class KafkaAccessReconciler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('KafkaAccess');
  private access: KafkaAccessControl | undefined;
  private applied = '';
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private lastFull = 0;

  constructor(
    @Inject(PLATFORM_CONFIG) private readonly config: PlatformConfig,
    @Inject(FEDERATION_DIRECTORY) private readonly directory: FederationDirectory,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (this.config.bus.kind !== 'kafka' || this.config.bus.security.kind !== 'sasl_ssl') return;
    this.access = new KafkaAccessControl(kafkaConnection(this.config.bus, 'federation'));
    await this.reconcile('start-up');
    const resync = resyncMs();
    this.timer = setInterval(() => {
      if (this.running) return;
      const changed = this.fingerprint(this.wanted()) !== this.applied;
      if (!changed && Date.now() - this.lastFull < resync) return;
      this.running = this.reconcile(changed ? 'federation changed' : 'periodic check')
        .catch((err: unknown) => this.logger.error({ err }, 'could not bring the Kafka ACLs in line with the federation; trying again'))
        .finally(() => {
          this.running = undefined;
        });
    }, CHECK_MS);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running;
    await this.access?.close();
  }

  private wanted(): AccessRule[] {
    return [...hubServiceAccess(this.config.groupPrefix), ...this.directory.organizations().flatMap(organizationAccess)];
  }

  private fingerprint(rules: AccessRule[]): string {
    return rules.map(accessRuleKey).sort().join('\n');
  }

  private async reconcile(why: string): Promise<void> {
    const wanted = this.wanted();
    const members = new Set(this.directory.organizations().map((o) => o.id));
    const { granted, revoked } = await this.access!.reconcile(wanted, managedByHub(this.config.groupPrefix, members));
    this.applied = this.fingerprint(wanted);
    this.lastFull = Date.now();
    if (granted.length > 0 || revoked.length > 0 || why === 'start-up') {
      this.logger.log({ why, granted: granted.map(accessRuleKey), revoked, rules: wanted.length }, `Kafka ACLs reconciled (${why}): ${granted.length} granted, ${revoked.length} revoked`);
    }
  }
}
