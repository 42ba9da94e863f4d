import { PGlite } from '@electric-sql/pglite';
import { PgliteDatabase, type SqlExecutor } from '@passerelle/database';
import { AsyncLocalStorage } from 'node:async_hooks';
import { performance } from 'node:perf_hooks';

/**
 * `PASSERELLE_BENCH_PGLITE_STATEMENTS=1 npm run bench -- http`: where the embedded hub's
 * database time goes. Every statement run through PgliteDatabase is timed inside PGlite's own
 * query lock (its `_runExclusiveQuery`), so a statement's wait behind another is not counted,
 * and the table printed after each shape gives, per statement, how often it ran, its time and
 * its share, and PGlite's busy share of the wall time, both counted only while the measured
 * rounds publish (not in the warm-up, not while the /health/live floor is measured). A measuring aid: it patches
 * PGlite's and PgliteDatabase's prototypes for the whole process, and adds a little time of its
 * own to every statement.
 */
export const PGLITE_STATEMENTS = process.env.PASSERELLE_BENCH_PGLITE_STATEMENTS === '1';

const TRANSACTION = '(BEGIN and COMMIT or ROLLBACK of a transaction)';

interface Tally {
  count: number;
  ms: number;
}

export class StatementTimer {
  private readonly statement = new AsyncLocalStorage<string>();
  private tallies = new Map<string, Tally>();
  /** Wall time counted so far, and since when it runs (undefined: paused; nothing is counted). */
  private wall = 0;
  private since: number | undefined;

  private static installed: StatementTimer | undefined;

  /** Patches the prototypes (once per process); from then on every PGlite statement is timed. */
  static install(): StatementTimer {
    if (StatementTimer.installed) return StatementTimer.installed;
    const timer = (StatementTimer.installed = new StatementTimer());
    const { statement } = timer;
    const exclusive = PGlite.prototype._runExclusiveQuery;
    PGlite.prototype._runExclusiveQuery = function <T>(this: PGlite, fn: () => Promise<T>): Promise<T> {
      const sql = statement.getStore();
      return exclusive.call(this, async () => {
        const start = performance.now();
        try {
          return await fn();
        } finally {
          timer.add(sql ?? '(not through PgliteDatabase)', performance.now() - start);
        }
      }) as Promise<T>;
    };
    const query = PgliteDatabase.prototype.query;
    PgliteDatabase.prototype.query = function (this: PgliteDatabase, sql: string, params?: unknown[]) {
      return statement.run(sql, () => query.call(this, sql, params));
    } as typeof query;
    const transaction = PgliteDatabase.prototype.transaction;
    PgliteDatabase.prototype.transaction = function <T>(this: PgliteDatabase, fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
      // The transaction's own BEGIN and COMMIT (or ROLLBACK) run under this tag; its statements under theirs.
      return statement.run(TRANSACTION, () => transaction.call(this, (tx) => fn({ query: (sql, params) => statement.run(sql, () => tx.query(sql, params)) }))) as Promise<T>;
    } as typeof transaction;
    return timer;
  }

  /** Drops the tally; counting stays paused until resume. */
  reset(): void {
    this.tallies = new Map();
    this.wall = 0;
    this.since = undefined;
  }

  /** Counts statements (and wall time) from now until pause. */
  resume(): void {
    this.since ??= performance.now();
  }

  pause(): void {
    if (this.since === undefined) return;
    this.wall += performance.now() - this.since;
    this.since = undefined;
  }

  /** The tally since the last reset, heaviest first, as lines to print. */
  report(title: string, top = 20): string {
    const wall = this.wall + (this.since === undefined ? 0 : performance.now() - this.since);
    const rows = [...this.tallies].sort((a, b) => b[1].ms - a[1].ms);
    const busy = rows.reduce((sum, [, t]) => sum + t.ms, 0);
    const count = rows.reduce((sum, [, t]) => sum + t.count, 0);
    const lines = [
      `PGlite statements, ${title}: ${count} in ${(wall / 1000).toFixed(1)} s, PGlite busy ${((100 * busy) / wall).toFixed(0)}% of it`,
      `${'runs'.padStart(7)} ${'ms'.padStart(7)} ${'share'.padStart(6)} ${'ms each'.padStart(8)}  statement`,
      ...rows.slice(0, top).map(([sql, t]) => `${String(t.count).padStart(7)} ${t.ms.toFixed(0).padStart(7)} ${`${((100 * t.ms) / busy).toFixed(1)}%`.padStart(6)} ${(t.ms / t.count).toFixed(3).padStart(8)}  ${sql}`),
    ];
    return `${lines.join('\n')}\n`;
  }

  private add(sql: string, ms: number): void {
    if (this.since === undefined) return;
    const key = sql.replace(/\s+/g, ' ').trim().slice(0, 110);
    const tally = this.tallies.get(key) ?? { count: 0, ms: 0 };
    tally.count += 1;
    tally.ms += ms;
    this.tallies.set(key, tally);
  }
}
