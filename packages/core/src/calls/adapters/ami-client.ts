import net from 'node:net';
import type { CallEventInput } from '../call-fold.ts';
import { AmiCallMapper } from './ami-mapper.ts';
import { type AmiMessage, AmiParser, amiAction } from './ami-parser.ts';
import { type AdapterLog, type Backoff, keepConnected, orderedHandOff } from './keep-connected.ts';

// A small AMI client: connects, logs in, reads call events and hands them on as Rabita call events, answers
// pings, and connects again with backoff (1 s doubling to 60 s, `keep-connected.ts`) whenever the host is refused,
// the connection drops or the login is refused. It keeps one mapper for its whole life, so a reconnect does not
// forget the calls in progress.

export interface AmiClientOptions {
  /** The address to connect to, resolved and checked by the outbound guard before each connection. */
  address: () => Promise<string>;
  port: number;
  username: string;
  secret: string;
  /** True for endpoints that are agents' phones. */
  isExtension(endpoint: string): boolean;
  /** Receives the call events of each AMI event (awaited, in order). */
  onEvents(events: CallEventInput[]): Promise<void>;
  log?: AdapterLog | undefined;
  /** Backoff bounds in ms (1,000 and 60,000 by default). */
  backoff?: Backoff | undefined;
  /** How often to ping, and how long an answer may take, in ms (30,000 and 10,000 by default). */
  keepAlive?: { everyMs: number; timeoutMs: number } | undefined;
  /** The parser's bounds. */
  maxLine?: number | undefined;
}

export interface AmiClient {
  /** True while logged in. */
  readonly ready: boolean;
  /** Rings the agent's phone and, when answered, dials the number (`Action: Originate`). */
  originate(input: {
    channel: string;
    context: string;
    number: string;
    callerId?: string | undefined;
  }): Promise<void>;
  stop(): Promise<void>;
}

/** Starts an AMI client that keeps itself connected until stopped. */
export function startAmiClient(options: AmiClientOptions): AmiClient {
  const log = options.log ?? (() => {});
  const keepAlive = options.keepAlive ?? { everyMs: 30_000, timeoutMs: 10_000 };
  const mapper = new AmiCallMapper({ isExtension: options.isExtension });
  let socket: net.Socket | undefined;
  let ready = false;
  let actionCounter = 0;
  const pending = new Map<string, { resolve(m: AmiMessage): void; reject(e: Error): void }>();
  const handOff = orderedHandOff(options.onEvents, log);

  const send = (fields: Record<string, string>): Promise<AmiMessage> => {
    const s = socket;
    if (!s || !ready) return Promise.reject(new Error('The phone system is not connected.'));
    actionCounter += 1;
    const actionId = `rabita-${process.pid}-${actionCounter}`;
    return new Promise((resolve, reject) => {
      pending.set(actionId, { resolve, reject });
      s.write(amiAction({ ...fields, ActionID: actionId }));
    });
  };

  /** One connection: log in, then read call events until it closes (a refused login closes it). */
  const open = (address: string) => {
    const s = net.connect({ host: address, port: options.port });
    socket = s;
    let loggedIn = false;
    let ping: NodeJS.Timeout | undefined;
    const parser = new AmiParser(
      (m) => {
        const answer = m.actionid ? pending.get(m.actionid) : undefined;
        if (answer && m.response) {
          pending.delete(m.actionid!);
          answer.resolve(m);
          return;
        }
        if (m.actionid === 'rabita-login' && m.response) {
          if (m.response.toLowerCase() === 'success') {
            loggedIn = true;
            ready = true;
            link.succeeded();
            log('info', 'AMI logged in', { port: options.port });
            ping = setInterval(() => {
              const timer = setTimeout(
                () => s.destroy(new Error('AMI ping unanswered')),
                keepAlive.timeoutMs,
              );
              send({ Action: 'Ping' }).then(
                () => clearTimeout(timer),
                () => clearTimeout(timer),
              );
            }, keepAlive.everyMs);
            ping.unref();
          } else {
            log('warn', 'AMI login refused', { message: m.message?.slice(0, 200) });
            s.destroy();
          }
          return;
        }
        if (!loggedIn || !m.event) return;
        let events: CallEventInput[];
        try {
          events = mapper.map(m);
        } catch (error) {
          log('warn', 'AMI event not understood', { error: (error as Error).message });
          return;
        }
        handOff.push(events);
      },
      { maxLine: options.maxLine },
    );
    s.setNoDelay(true);
    s.on('connect', () => {
      s.write(
        amiAction({
          Action: 'Login',
          ActionID: 'rabita-login',
          Username: options.username,
          Secret: options.secret,
          Events: 'call,agent',
        }),
      );
    });
    s.on('data', (chunk) => parser.push(chunk));
    s.on('error', (error) => log('warn', 'AMI connection failed', { error: error.message }));
    s.on('close', () => {
      clearInterval(ping);
      if (socket === s) socket = undefined;
      ready = false;
      for (const [id, p] of pending) {
        pending.delete(id);
        p.reject(new Error('The phone system connection closed.'));
      }
      link.retry();
    });
  };
  const link = keepConnected({ name: 'AMI', target: options.address, open, backoff: options.backoff, log });

  return {
    get ready() {
      return ready;
    },
    async originate(input) {
      if (!/^\+?[0-9*#]{2,32}$/.test(input.number)) throw new Error('Not a number to dial.');
      const answer = await send({
        Action: 'Originate',
        Channel: input.channel,
        Context: input.context,
        Exten: input.number,
        Priority: '1',
        CallerID: input.callerId ?? input.number,
        Async: 'true',
        Timeout: '30000',
      });
      if (answer.response?.toLowerCase() !== 'success')
        throw new Error(`The phone system refused the call: ${(answer.message ?? '').slice(0, 200)}`);
    },
    async stop() {
      link.stop();
      const s = socket;
      if (s && !s.destroyed) {
        if (ready) s.write(amiAction({ Action: 'Logoff' }));
        await new Promise<void>((resolve) => {
          s.once('close', () => resolve());
          s.end();
          setTimeout(() => s.destroy(), 1_000).unref();
        });
      }
      await handOff.idle();
    },
  };
}
