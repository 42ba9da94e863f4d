import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { applyMigrations } from './migrations';
import type { SqlDatabase, SqlExecutor } from './sql-database.port';

const MIGRATIONS = [
  `CREATE TABLE IF NOT EXISTS leases (
    name        text        PRIMARY KEY,
    holder      text        NOT NULL,
    fence       bigint      NOT NULL,
    expires_at  timestamptz NOT NULL,
    acquired_at timestamptz NOT NULL DEFAULT now()
  )`,
];

/** The lease was taken over by another instance: what this one was doing must stop. */
export class LeaseLost extends Error {
  readonly code = 'LEASE.LOST';
  readonly retriable = false;
  constructor(name: string, holder: string) {
    super(`${holder} no longer holds the lease ${name}: another instance took it over`);
    this.name = 'LeaseLost';
  }
}

export interface LeaseOptions {
  /** How long a lease lasts unless renewed (default 10 s): how long a dead holder blocks fail-over. */
  ttlMs?: number;
  /** This instance's name in the lease row (default host, process id and a random suffix). */
  holder?: string;
}

/**
 * One instance at a time for work that must have a single writer (the relay following the
 * log, a projection, the signing of checkpoints), with fail-over: a row per lease with its
 * holder, an expiry the holder keeps pushing back, and a fence that grows with every change
 * of holder. The times are the database's own (`now()`), so the instances' clocks do not
 * matter. A holder that stalls past its expiry loses the lease; writes made in a transaction
 * that calls `assertHeld` are refused once another instance took over (fencing).
 */
export class Lease {
  private current: bigint | undefined;

  private constructor(
    private readonly db: SqlDatabase,
    readonly name: string,
    readonly holder: string,
    readonly ttlMs: number,
  ) {}

  static async open(db: SqlDatabase, name: string, options: LeaseOptions = {}): Promise<Lease> {
    await applyMigrations(db, 'leases', MIGRATIONS);
    return new Lease(db, name, options.holder ?? `${hostname()}/${process.pid}/${randomUUID().slice(0, 8)}`, options.ttlMs ?? 10_000);
  }

  /** The fence of the holding this instance has, if it has one. */
  get fence(): bigint | undefined {
    return this.current;
  }

  /**
   * Takes the lease if it is free or expired, or renews it if this instance holds it. Returns
   * whether this instance holds it now.
   */
  async acquire(): Promise<boolean> {
    const { rows } = await this.db.query<{ fence: string; holder: string }>(
      `INSERT INTO leases (name, holder, fence, expires_at) VALUES ($1, $2, 1, now() + $3 * interval '1 millisecond')
       ON CONFLICT (name) DO UPDATE
         SET holder = excluded.holder,
             fence = CASE WHEN leases.holder = excluded.holder THEN leases.fence ELSE leases.fence + 1 END,
             expires_at = excluded.expires_at,
             acquired_at = CASE WHEN leases.holder = excluded.holder THEN leases.acquired_at ELSE now() END
         WHERE leases.holder = excluded.holder OR leases.expires_at < now()
       RETURNING fence::text AS fence, holder`,
      [this.name, this.holder, this.ttlMs],
    );
    const held = rows[0]?.holder === this.holder ? BigInt(rows[0].fence) : undefined;
    // Held before under another fence means it expired and was taken in between: a new holding.
    this.current = held;
    return held !== undefined;
  }

  /** Pushes the expiry back; false when the lease is no longer this instance's (expired and taken). */
  async renew(): Promise<boolean> {
    if (this.current === undefined) return false;
    const { rowCount } = await this.db.query(
      `UPDATE leases SET expires_at = now() + $4 * interval '1 millisecond' WHERE name = $1 AND holder = $2 AND fence = $3::bigint`,
      [this.name, this.holder, String(this.current), this.ttlMs],
    );
    if (rowCount === 0) this.current = undefined;
    return rowCount > 0;
  }

  /**
   * Inside a writer's transaction: refuses (LeaseLost) unless this holding is still current,
   * and keeps another instance from taking over until the transaction ends.
   */
  async assertHeld(tx: SqlExecutor): Promise<void> {
    const fence = this.current;
    const { rows } = await tx.query(`SELECT 1 FROM leases WHERE name = $1 AND holder = $2 AND fence = $3::bigint FOR SHARE`, [this.name, this.holder, String(fence ?? -1n)]);
    if (rows.length === 0) throw new LeaseLost(this.name, this.holder);
  }

  /** Gives the lease up at once (on a clean shutdown), so another instance need not wait for its expiry. */
  async release(): Promise<void> {
    if (this.current === undefined) return;
    await this.db.query(`UPDATE leases SET expires_at = now() - interval '1 millisecond' WHERE name = $1 AND holder = $2 AND fence = $3::bigint`, [this.name, this.holder, String(this.current)]);
    this.current = undefined;
  }
}

export interface LeasedWork {
  /** Stops the work started under the lease, and waits for it. */
  stop(): Promise<void>;
}

export interface UnderLeaseOptions {
  /** Starts the work once the lease is held. */
  start: (lease: Lease) => Promise<LeasedWork> | LeasedWork;
  /** A change of state worth a log line. */
  onChange?: (state: 'acquired' | 'lost' | 'standby', lease: Lease) => void;
  onError?: (err: unknown) => void;
}

/**
 * Runs `start` only while this instance holds `lease`: the others stand by, trying every
 * third of the lease's life, and one of them takes over within about one lease life of the
 * holder dying. The holder renews as often; if a renewal fails past the expiry, the work is
 * stopped before anything else is tried.
 */
export function runUnderLease(lease: Lease, options: UnderLeaseOptions): { stop(): Promise<void> } {
  let stopped = false;
  let work: LeasedWork | undefined;
  let wake: (() => void) | undefined;
  const every = Math.max(50, Math.floor(lease.ttlMs / 3));

  const loop = async () => {
    let announcedStandby = false;
    let heldSince = 0;
    while (!stopped) {
      try {
        const held = work ? await lease.renew() : await lease.acquire();
        if (held) heldSince = Date.now();
        if (held && !work && !stopped) {
          options.onChange?.('acquired', lease);
          announcedStandby = false;
          work = await options.start(lease);
        } else if (!held && work) {
          options.onChange?.('lost', lease);
          await stopWork();
        } else if (!held && !announcedStandby) {
          options.onChange?.('standby', lease);
          announcedStandby = true;
        }
      } catch (err) {
        options.onError?.(err);
        // Unable to renew: past the expiry another instance may hold it, so stop before it does.
        if (work && Date.now() - heldSince >= lease.ttlMs * 0.8) {
          options.onChange?.('lost', lease);
          await stopWork();
        }
      }
      if (stopped) break;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, every);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  };
  const stopWork = async () => {
    const current = work;
    work = undefined;
    await current?.stop().catch((err: unknown) => options.onError?.(err));
  };
  const running = loop();

  return {
    stop: async () => {
      stopped = true;
      wake?.();
      await running;
      await stopWork();
      await lease.release().catch((err: unknown) => options.onError?.(err));
    },
  };
}
