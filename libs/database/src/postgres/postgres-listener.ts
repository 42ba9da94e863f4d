import { Client, type Notification } from 'pg';
import { toDatabaseError } from '../sql-database.port';

type Handler = (payload: string) => void;

interface Channel {
  handlers: Set<Handler>;
  /** Settles once the server has run LISTEN for this channel. */
  ready: Promise<void>;
}

/**
 * The LISTEN side of a PostgresDatabase: one dedicated connection (a pooled one would be
 * handed to other queries and lose its LISTENs), shared by every channel and handler.
 * If that connection drops, it reconnects in the background, LISTENs again, and calls every
 * handler once with an empty payload, since notifications sent meanwhile are lost.
 */
export class PostgresListener {
  private client: Promise<Client> | undefined;
  private readonly channels = new Map<string, Channel>();
  private retryTimer: NodeJS.Timeout | undefined;
  private retryDelayMs = 500;
  private closed = false;

  constructor(private readonly options: { url: string; applicationName: string }) {}

  async listen(channel: string, onNotify: Handler): Promise<() => Promise<void>> {
    if (this.closed) throw toDatabaseError(new Error('the database is closed'));
    let entry = this.channels.get(channel);
    if (!entry) {
      const created: Channel = { handlers: new Set(), ready: this.connected().then((c) => this.run(c, `LISTEN ${channel}`)) };
      entry = created;
      this.channels.set(channel, created);
      created.ready.catch(() => {
        if (this.channels.get(channel) === created && created.handlers.size === 0) this.channels.delete(channel);
      });
    }
    const listening = entry;
    listening.handlers.add(onNotify);
    try {
      await listening.ready;
    } catch (err) {
      listening.handlers.delete(onNotify);
      if (listening.handlers.size === 0 && this.channels.get(channel) === listening) this.channels.delete(channel);
      throw toDatabaseError(err);
    }
    let active = true;
    return async () => {
      if (!active) return;
      active = false;
      listening.handlers.delete(onNotify);
      if (listening.handlers.size > 0 || this.channels.get(channel) !== listening) return;
      this.channels.delete(channel);
      const client = await this.client?.catch(() => undefined);
      if (client && !this.closed) await this.run(client, `UNLISTEN ${channel}`).catch(() => undefined);
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retryTimer);
    this.channels.clear();
    const client = await this.client?.catch(() => undefined);
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }

  private connected(): Promise<Client> {
    this.client ??= this.connect();
    return this.client;
  }

  private async connect(): Promise<Client> {
    const client = new Client({
      connectionString: this.options.url,
      application_name: `${this.options.applicationName}-listen`,
      connectionTimeoutMillis: 5_000,
      keepAlive: true,
    });
    client.on('notification', (message: Notification) => this.dispatch(message.channel, message.payload ?? ''));
    client.on('error', () => this.lost(client));
    client.on('end', () => this.lost(client));
    try {
      await client.connect();
    } catch (err) {
      this.client = undefined;
      await client.end().catch(() => undefined);
      throw toDatabaseError(err);
    }
    return client;
  }

  private dispatch(channel: string, payload: string): void {
    for (const handler of this.channels.get(channel)?.handlers ?? []) {
      try {
        handler(payload);
      } catch {
        // One handler's failure is its own concern; the others still hear the news.
      }
    }
  }

  private lost(client: Client): void {
    if (this.closed) return;
    void this.client?.then(
      (current) => {
        if (current !== client) return;
        this.client = undefined;
        void client.end().catch(() => undefined);
        this.scheduleReconnect();
      },
      () => undefined,
    );
  }

  private scheduleReconnect(): void {
    if (this.closed || this.retryTimer || this.channels.size === 0) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      void this.reconnect();
    }, this.retryDelayMs);
    this.retryTimer.unref();
  }

  private async reconnect(): Promise<void> {
    try {
      const client = await this.connected();
      for (const channel of this.channels.keys()) await this.run(client, `LISTEN ${channel}`);
      this.retryDelayMs = 500;
      for (const channel of this.channels.keys()) this.dispatch(channel, '');
    } catch {
      const broken = await this.client?.catch(() => undefined);
      this.client = undefined;
      await broken?.end().catch(() => undefined);
      this.retryDelayMs = Math.min(this.retryDelayMs * 2, 10_000);
      this.scheduleReconnect();
    }
  }

  private async run(client: Client, sql: string): Promise<void> {
    try {
      await client.query(sql);
    } catch (err) {
      throw toDatabaseError(err);
    }
  }
}
