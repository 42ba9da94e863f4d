import { Inject, Injectable, Logger } from '@nestjs/common';
import { SQL_DATABASE, type SqlDatabase } from '@passerelle/database';
import { FEDERATION_DIRECTORY, type FederationEvent, type FederationLog, type MemberOrganization } from '@passerelle/identity';
import { decide, type FederationCommand, type FederationRejection } from '../domain/federation';

export class FederationError extends Error {
  constructor(readonly rejection: FederationRejection) {
    super(rejection.message);
    this.name = 'FederationError';
  }
}

/**
 * The federation's write side: decides operator commands against the current members and
 * appends the resulting events, under a table lock so two operators never decide on the
 * same stale state. Reads go through the shared directory, which folds the same events.
 */
@Injectable()
export class FederationRegistry {
  private readonly logger = new Logger(FederationRegistry.name);

  constructor(
    @Inject(SQL_DATABASE) private readonly db: SqlDatabase,
    @Inject(FEDERATION_DIRECTORY) private readonly log: FederationLog,
  ) {}

  async execute(command: FederationCommand, actor: string): Promise<FederationEvent[]> {
    const events = await this.db.transaction(async (tx) => {
      await tx.query('LOCK TABLE federation_events IN EXCLUSIVE MODE');
      const state = await this.log.catchUp(tx);
      const result = decide(command, state);
      if (!Array.isArray(result)) throw new FederationError(result);
      for (const event of result) {
        await tx.query('INSERT INTO federation_events (type, data, actor) VALUES ($1, $2, $3)', [event.type, event.data, actor]);
      }
      return result;
    });
    await this.log.refresh();
    if (events.length > 0) this.logger.log({ actor, command: command.type, organization: command.id, events: events.map((e) => e.type) }, `federation: ${command.type} ${command.id}`);
    return events;
  }

  organizations(): MemberOrganization[] {
    return this.log.organizations();
  }

  organization(id: string): MemberOrganization | undefined {
    return this.log.organization(id);
  }
}
