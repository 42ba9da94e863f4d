import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { CASE_STREAM_PREFIX, caseEventMetadata, caseStreamId, defaultSchemasDir, readRegisteredSchemas, readSchemaDirectory, RegisteredValidator } from '@passerelle/contracts';
import { SQL_DATABASE, type SqlDatabase } from '@passerelle/database';
import { STORED_EVENT_STORE, StreamNotFound, type EventStore, type RecordedEvent } from '@passerelle/event-store';
import { EVENT_SIGNATURE_VERIFIER, FEDERATION_DIRECTORY, keyStateAt, type EventSignatureVerifier, type FederationDirectory } from '@passerelle/identity';
import { METRICS, type Metrics } from '@passerelle/metrics';
import { PLATFORM_CONFIG, type PlatformConfig } from '@passerelle/platform';
import { PERSONAL_DATA, type PersonalData } from '@passerelle/privacy';
import { checkEachEvent, verifyLog, verifyStream, type AuditBundle, type VerifiableEvent, type VerificationReport } from '@passerelle/verification';
import { CheckpointService } from '../checkpoints/checkpoint-service';
import { HubKeys } from '../hub-key/hub-keys';

export class CaseNotFound extends Error {
  constructor(readonly caseId: string) {
    super(`no case ${caseId} in the store`);
    this.name = 'CaseNotFound';
  }
}

/**
 * The auditor's view of the store: every case's full, unfiltered history, verified against
 * its hash chain, its publishers' signatures (with the key valid when each event was
 * received) and its schemas, held against the head the store recorded and the latest signed
 * checkpoint.
 */
@Injectable()
export class Auditor implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(Auditor.name);
  private validator!: RegisteredValidator;
  private readonly verifications;
  private readonly failures;

  constructor(
    // The store as it is (personal fields sealed): the chain is checked on what is stored.
    @Inject(STORED_EVENT_STORE) private readonly store: EventStore,
    @Inject(PERSONAL_DATA) private readonly personal: PersonalData,
    @Inject(SQL_DATABASE) private readonly db: SqlDatabase,
    @Inject(EVENT_SIGNATURE_VERIFIER) private readonly signatures: EventSignatureVerifier,
    @Inject(FEDERATION_DIRECTORY) private readonly directory: FederationDirectory,
    @Inject(PLATFORM_CONFIG) private readonly config: PlatformConfig,
    private readonly checkpoints: CheckpointService,
    private readonly hubKeys: HubKeys,
    @Inject(METRICS) metrics: Metrics,
  ) {
    // A failed verification means a history was altered, reordered or cut: an incident.
    // Both start at 0, so the first failure is an increase Prometheus can see.
    this.verifications = metrics.counter({ name: 'passerelle_audit_verifications_total', help: 'Verifications of a case or of the log run by the audit component', labelNames: ['scope'] });
    this.failures = metrics.counter({ name: 'passerelle_audit_verification_failures_total', help: 'Verifications that found a history altered, reordered, truncated or badly signed', labelNames: ['scope'] });
    for (const scope of ['case', 'log']) {
      this.verifications.inc({ scope }, 0);
      this.failures.inc({ scope }, 0);
    }
  }

  private counted<T extends VerificationReport>(scope: 'case' | 'log', report: T): T {
    this.verifications.inc({ scope });
    if (!report.ok) {
      this.failures.inc({ scope });
      this.logger.error({ scope, failure: report.failure }, `verification failed: ${report.failure?.message ?? 'see the report'}`);
    }
    return report;
  }

  async onApplicationBootstrap(): Promise<void> {
    this.validator = await RegisteredValidator.open(this.db, await readSchemaDirectory(defaultSchemasDir()), {
      maxBytes: this.config.http.maxBodyBytes,
      refreshMs: 10_000,
      onError: (err) => this.logger.warn({ err }, 'could not refresh the schemas'),
    });
  }

  onApplicationShutdown(): void {
    this.validator?.close();
  }

  /** The case's events as stored: personal fields sealed (ciphertext), as the chain covers them. */
  async stored(caseId: string): Promise<RecordedEvent[]> {
    try {
      return await this.store.readStream(caseStreamId(caseId));
    } catch (err) {
      if (err instanceof StreamNotFound) throw new CaseNotFound(caseId);
      throw err;
    }
  }

  /** The case's events to read: personal fields opened, or marked `{ "$erased": true }` once erased. */
  async history(caseId: string): Promise<RecordedEvent[]> {
    return this.personal.open(await this.stored(caseId), { unreadable: 'mark' });
  }

  /** As stored, each with its envelope opened beside it: the signature over plaintext is checked while the key exists. */
  private async verifiable(caseId: string): Promise<VerifiableEvent[]> {
    const stored = await this.stored(caseId);
    // An altered ciphertext is the auditor's finding, not an error: marked, and reported by the signature check.
    const opened = await this.personal.open(stored, { unreadable: 'mark' });
    return stored.map((e, i) => (opened[i]!.data === e.data ? e : { ...e, opened: opened[i]!.data }));
  }

  /** One case, verified whole: chain, signatures, schemas, recorded head, latest checkpoint. */
  async verifyCase(caseId: string): Promise<VerificationReport & { checkpoint?: { position: string; at: string } }> {
    const streamId = caseStreamId(caseId);
    const [events, head, proof] = await Promise.all([this.verifiable(caseId), this.store.streamHead(streamId), this.checkpoints.proofFor(streamId)]);
    const report = verifyStream(streamId, events, { signatures: this.signatures, validator: this.validator.validator() }, {
      head,
      checkpointed: proof ? { revision: BigInt(proof.head.revision), hash: proof.head.hash } : undefined,
    });
    return this.counted('case', proof ? { ...report, checkpoint: { position: proof.checkpoint.payload.position, at: proof.checkpoint.payload.at } } : report);
  }

  /**
   * Every case in the store, as its recorded head stands (revision, chain hash), filtered by
   * part of its id; sorted by id. Auditors see all cases, unfiltered by sharing.
   */
  async cases(filter: { search?: string; limit: number }): Promise<{ total: number; cases: Array<{ caseId: string; revision: number; hash: string }> }> {
    const { heads } = await this.store.heads({ streamPrefix: CASE_STREAM_PREFIX });
    const needle = filter.search?.toLowerCase();
    const all = heads
      .map((h) => ({ caseId: h.streamId.slice(CASE_STREAM_PREFIX.length), revision: Number(h.revision), hash: h.hash }))
      .filter((c) => !needle || c.caseId.toLowerCase().includes(needle));
    return { total: all.length, cases: all.slice(0, filter.limit) };
  }

  /**
   * The case verified whole (the verdict and its first failure) and each event checked on its
   * own — chain, signature with its key id and that key's state when the hub received the
   * event, schema — for a badge beside every event.
   */
  async checks(caseId: string) {
    const events = await this.verifiable(caseId);
    const report = await this.verifyCase(caseId);
    const checks = checkEachEvent(events, { signatures: this.signatures, validator: this.validator.validator() });
    return {
      caseId,
      report,
      events: events.map((e, i) => {
        const meta = caseEventMetadata(e);
        const envelope = (e.opened ?? e.data) as { source?: string; channel?: string; time?: string };
        const check = checks[i]!;
        const key = check.signature.kid ? this.directory.organization(meta.publisher)?.keys.find((k) => k.kid === check.signature.kid) : undefined;
        const receivedAt = new Date(meta.receivedAt);
        return {
          ...check,
          type: e.type,
          publisher: meta.publisher,
          channel: envelope.channel ?? null,
          time: envelope.time ?? null,
          receivedAt: meta.receivedAt,
          audience: meta.audience,
          prevHash: e.prevHash,
          hash: e.hash,
          signature: { ...check.signature, ...(key && !Number.isNaN(receivedAt.getTime()) ? { keyStateAtReceipt: keyStateAt(key, receivedAt).kind } : {}) },
        };
      }),
    };
  }

  /** The whole log, or the events received in [from, to). */
  async verifyLog(range: { from?: Date; to?: Date } = {}): Promise<VerificationReport> {
    return this.counted('log', await verifyLog(this.store, { ...range, signatures: this.signatures, validator: this.validator.validator() }));
  }

  /**
   * What `organization` could see of the case at `at`: the events it was entitled to among
   * those received by then, the grants and consents naming it as they stood, and the state of
   * each publisher's keys at that instant.
   */
  async asOf(caseId: string, organization: string, at: Date) {
    const events = (await this.history(caseId)).filter((e) => new Date(caseEventMetadata(e).receivedAt) <= at);
    const visible = events.filter((e) => caseEventMetadata(e).audience.includes(organization));
    const grants = new Map<string, { grantedBy: string; purpose: string; validUntil?: string }>();
    const consents = new Map<string, { categories: string[]; recordedAt: string; withdrawnAt?: string; expiresAt?: string }>();
    for (const event of events) {
      const data = (event.data as { data: Record<string, unknown> }).data;
      const name = /\.([A-Za-z]+)\.v\d+$/.exec(event.type)?.[1];
      if (name === 'AccessGranted' && data.organization === organization) {
        for (const c of data.categories as string[]) grants.set(c, { grantedBy: String(data.grantedBy), purpose: String(data.purpose), ...(data.validUntil ? { validUntil: String(data.validUntil) } : {}) });
      } else if (name === 'AccessRevoked' && data.organization === organization) {
        for (const c of data.categories as string[]) grants.delete(c);
      } else if (name === 'ConsentRecorded' && data.grantedTo === organization) {
        consents.set(String(data.consentId), { categories: data.categories as string[], recordedAt: String(data.recordedAt), ...(data.expiresAt ? { expiresAt: String(data.expiresAt) } : {}) });
      } else if (name === 'ConsentWithdrawn' && consents.has(String(data.consentId))) {
        consents.set(String(data.consentId), { ...consents.get(String(data.consentId))!, withdrawnAt: String(data.withdrawnAt) });
      }
    }
    const publishers = [...new Set(events.map((e) => caseEventMetadata(e).publisher))];
    const keys = publishers.map((id) => ({
      organization: id,
      keys: (this.directory.organization(id)?.keys ?? []).map((k) => ({ kid: k.kid, alg: k.alg, state: keyStateAt(k, at), validFrom: k.validFrom, validUntil: k.validUntil, revokedAt: k.revokedAt })),
    }));
    return {
      caseId,
      organization,
      at: at.toISOString(),
      revision: events.length > 0 ? Number(events.at(-1)!.revision) : -1,
      events: visible.map((e) => ({ revision: Number(e.revision), position: Number(e.position), type: e.type, eventId: (e.data as { id: string }).id, receivedAt: caseEventMetadata(e).receivedAt, data: (e.data as { data: unknown }).data })),
      grants: Object.fromEntries(grants),
      consents: Object.fromEntries(consents),
      keys,
    };
  }

  /**
   * Everything needed to verify the case offline (see verifyBundle). The events as stored:
   * personal fields sealed, so a bundle carries no personal data in clear, and their
   * signatures stand on the hub's record of receipt.
   */
  async bundle(caseId: string): Promise<AuditBundle> {
    const streamId = caseStreamId(caseId);
    const [events, head, proof, schemas] = await Promise.all([this.stored(caseId), this.store.streamHead(streamId), this.checkpoints.proofFor(streamId), this.schemas()]);
    const publishers = [...new Set(events.map((e) => caseEventMetadata(e).publisher))];
    return {
      format: 'passerelle-audit-bundle/1',
      caseId,
      streamId,
      exportedAt: new Date().toISOString(),
      events: events.map((e) => ({
        id: e.id,
        type: e.type,
        data: e.data,
        metadata: e.metadata,
        revision: String(e.revision),
        position: String(e.position),
        prevHash: e.prevHash,
        hash: e.hash,
        recordedAt: e.recordedAt.toISOString(),
      })),
      head: head ? { revision: String(head.revision), hash: head.hash } : null,
      checkpoint: proof ? { jws: proof.checkpoint.jws, head: proof.head, proof: proof.proof } : null,
      hubKeys: this.hubKeys.publicKeys(),
      organizations: publishers.map((id) => {
        const org = this.directory.organization(id);
        return { id, name: org?.name ?? id, keys: org?.keys ?? [] };
      }),
      schemas,
    };
  }

  private async schemas(): Promise<unknown[]> {
    const registered = await readRegisteredSchemas(this.db);
    const ids = new Set(registered.map((e) => e.id));
    const repository = (await readSchemaDirectory(defaultSchemasDir())).filter((e) => !ids.has(e.id));
    return [...repository, ...registered].map((e) => e.schema);
  }
}
