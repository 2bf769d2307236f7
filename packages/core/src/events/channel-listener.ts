import pg from 'pg';

/** What a `ChannelListener` tells its owner. */
export interface ChannelHandlers {
  /** A notification on one of the channels (delivered when the notifying transaction committed). */
  notice(channel: string, payload: string): void;
  /**
   * The connection broke (or has not listened yet): notifications may have been missed, so whatever was kept on
   * their strength must be forgotten. Called before every reconnect.
   */
  down(): void;
}

/**
 * A LISTEN connection of its own to some PostgreSQL channels, kept open for the process's life: when it breaks it
 * tells its owner (`down`) and connects again a second later. The caches that live by notifications (callers,
 * forecasts) keep nothing while `listening` is false, so a missed notification cannot leave stale data behind.
 */
export class ChannelListener {
  readonly #connection: pg.ClientConfig;
  readonly #channels: readonly string[];
  readonly #handlers: ChannelHandlers;
  #client: pg.Client | undefined;
  #listening = false;
  #closed = false;
  #retry: NodeJS.Timeout | undefined;

  constructor(connection: pg.ClientConfig, channels: readonly string[], handlers: ChannelHandlers) {
    if (channels.some((c) => !/^[a-z_][a-z0-9_]*$/.test(c)))
      throw new Error('A channel is a plain lower-case name.');
    this.#connection = connection;
    this.#channels = channels;
    this.#handlers = handlers;
  }

  /** Connects and listens; on failure it tries again every second until closed. */
  async start(): Promise<void> {
    if (this.#closed || this.#client) return;
    const client = new pg.Client(this.#connection);
    this.#client = client;
    const broken = () => {
      if (this.#client !== client) return;
      this.#client = undefined;
      this.#listening = false;
      this.#handlers.down();
      client.end().catch(() => {});
      if (!this.#closed) this.#retry = setTimeout(() => void this.start().catch(() => {}), 1_000);
    };
    client.on('error', broken);
    client.on('end', broken);
    client.on('notification', (message) => {
      if (this.#channels.includes(message.channel))
        this.#handlers.notice(message.channel, message.payload ?? '');
    });
    try {
      await client.connect();
      for (const channel of this.#channels) await client.query(`listen ${channel}`);
      if (this.#client === client) this.#listening = true;
    } catch {
      broken();
    }
  }

  get listening(): boolean {
    return this.#listening;
  }

  /** Stops listening for good (on shutdown). */
  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#retry);
    this.#listening = false;
    const client = this.#client;
    this.#client = undefined;
    await client?.end().catch(() => {});
  }
}
