import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { type AmiMessage, AmiParser, amiAction } from './ami-parser.ts';

// Test doubles of the phone systems the adapters talk to, on loopback: an AMI server (node:net) that checks the
// Login and then replays recorded event streams, and an ARI events WebSocket (node:http's upgrade, a few lines
// of RFC 6455 framing: the server only sends) that checks the api_key and replays recorded events.

/** A fixture's text, as recorded. */
export const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');

export interface FakeAmi {
  port: number;
  /** Logins tried, with whether they were accepted. */
  logins: { username: string; accepted: boolean }[];
  /** Actions other than Login, Ping and Logoff. */
  actions: AmiMessage[];
  /** Connections open now. */
  readonly open: number;
  /** Cuts every connection (the client connects again, and the streams are replayed). */
  dropAll(): void;
  close(): Promise<void>;
}

/**
 * An AMI server that sends the banner, checks `Action: Login`, then sends `streams()` (raw text, cut into small
 * random pieces so the client sees partial lines), answers pings and originates.
 */
export async function startFakeAmi(options: {
  username: string;
  secret: string;
  streams: () => (string | Buffer)[];
}): Promise<FakeAmi> {
  const sockets = new Set<net.Socket>();
  const logins: FakeAmi['logins'] = [];
  const actions: AmiMessage[] = [];
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    socket.write('Asterisk Call Manager/5.0.1\r\n');
    const parser = new AmiParser((m) => {
      const action = (m.action ?? '').toLowerCase();
      const id = m.actionid ?? '';
      if (action === 'login') {
        const accepted = m.username === options.username && m.secret === options.secret;
        logins.push({ username: m.username ?? '', accepted });
        if (!accepted) {
          socket.end(amiAction({ Response: 'Error', ActionID: id, Message: 'Authentication failed' }));
          return;
        }
        socket.write(amiAction({ Response: 'Success', ActionID: id, Message: 'Authentication accepted' }));
        socket.write(amiAction({ Event: 'FullyBooted', Privilege: 'system,all', Status: 'Fully Booted' }));
        for (const stream of options.streams()) {
          const bytes = Buffer.isBuffer(stream) ? stream : Buffer.from(stream, 'utf8');
          for (let i = 0; i < bytes.length; ) {
            const size = bytes.length > 1_000_000 ? 65_536 : 1 + Math.floor(Math.random() * 97);
            socket.write(bytes.subarray(i, i + size));
            i += size;
          }
        }
        return;
      }
      if (action === 'ping') {
        socket.write(amiAction({ Response: 'Success', ActionID: id, Ping: 'Pong' }));
        return;
      }
      if (action === 'logoff') {
        socket.end(amiAction({ Response: 'Goodbye', ActionID: id, Message: 'Thanks for all the fish.' }));
        return;
      }
      actions.push(m);
      socket.write(
        amiAction({ Response: 'Success', ActionID: id, Message: 'Originate successfully queued' }),
      );
    });
    socket.on('data', (chunk) => parser.push(chunk));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    logins,
    actions,
    get open() {
      return sockets.size;
    },
    dropAll() {
      for (const s of sockets) s.destroy();
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** One unmasked server-to-client text frame. */
function textFrame(text: string): Buffer {
  const payload = Buffer.from(text, 'utf8');
  const n = payload.length;
  const head =
    n < 126
      ? Buffer.from([0x81, n])
      : n < 65_536
        ? Buffer.from([0x81, 126, n >> 8, n & 0xff])
        : Buffer.concat([
            Buffer.from([0x81, 127]),
            (() => {
              const b = Buffer.alloc(8);
              b.writeBigUInt64BE(BigInt(n));
              return b;
            })(),
          ]);
  return Buffer.concat([head, payload]);
}

export interface FakeAri {
  url: string;
  /** `api_key` values the connections came with, and the apps asked for. */
  connections: { apiKey: string | null; app: string | null }[];
  dropAll(): void;
  close(): Promise<void>;
}

/** An ARI events WebSocket that checks `api_key` and sends each of `events()` as a text message. */
export async function startFakeAri(options: { apiKey: string; events: () => string[] }): Promise<FakeAri> {
  const sockets = new Set<net.Socket>();
  const connections: FakeAri['connections'] = [];
  const server = http.createServer((_req, res) => res.writeHead(404).end());
  server.on('upgrade', (req, socket) => {
    const s = socket as net.Socket;
    s.on('error', () => {});
    const url = new URL(req.url ?? '/', 'http://x');
    connections.push({ apiKey: url.searchParams.get('api_key'), app: url.searchParams.get('app') });
    if (url.pathname !== '/ari/events' || url.searchParams.get('api_key') !== options.apiKey) {
      s.end('HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    const accept = createHash('sha1')
      .update(`${req.headers['sec-websocket-key']}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`)
      .digest('base64');
    s.write(
      `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`,
    );
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('data', (chunk) => {
      // A close frame from the client (opcode 8): answer it and end.
      if (chunk.length > 0 && (chunk[0]! & 0x0f) === 8) s.end(Buffer.from([0x88, 0]));
    });
    for (const event of options.events()) s.write(textFrame(event));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    connections,
    dropAll() {
      for (const s of sockets) s.destroy();
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
