// Real SIP traffic for the contact centre's tests and bench: Kamailio (kamailio.cfg beside this file) on loopback,
// calls sent with sipsak, and baresip user agents as phones and callers. Every process is a child of the caller,
// bound to 127.0.0.1, and stopped by its own PID.
import { type ChildProcess, execFile, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import fs from 'node:fs/promises';
import path from 'node:path';

const TEMPLATE = path.join(import.meta.dirname, 'kamailio.cfg');

/** The programs of `names` that are not installed (an empty list when all are). */
export function missingPrograms(names: readonly string[]): string[] {
  return names.filter((name) => spawnSync('sh', ['-c', `command -v ${name}`]).status !== 0);
}

/** A UDP port nothing is bound to on 127.0.0.1 at the moment of asking. */
export async function freeUdpPort(): Promise<number> {
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
}

/** The template with its settings filled in: where to listen, Rabita's URL and the connection's key. */
export async function renderKamailioConfig(settings: {
  port: number;
  url: string;
  apiKey: string;
  timeoutSeconds?: number;
}): Promise<string> {
  if (!/^[\w.-]{1,512}$/.test(settings.apiKey)) throw new Error('An API key is letters, digits, _ . - only.');
  if (!/^https?:\/\/[\w.:[\]-]+(\/[\w./-]*)?$/.test(settings.url))
    throw new Error(`Not a plain URL: ${settings.url}`);
  const template = await fs.readFile(TEMPLATE, 'utf8');
  const replace = (text: string, line: RegExp, by: string) => {
    if (!line.test(text)) throw new Error(`kamailio.cfg has no line ${line}`);
    return text.replace(line, by);
  };
  let cfg = replace(
    template,
    /^#!substdef "!RABITA_LISTEN!.*$/m,
    `#!substdef "!RABITA_LISTEN!udp:127.0.0.1:${settings.port}!g"`,
  );
  cfg = replace(cfg, /^#!trydef RABITA_URL .*$/m, `#!define RABITA_URL "${settings.url}"`);
  cfg = replace(cfg, /^#!trydef RABITA_API_KEY .*$/m, `#!define RABITA_API_KEY "${settings.apiKey}"`);
  cfg = replace(
    cfg,
    /^#!trydef RABITA_TIMEOUT .*$/m,
    `#!define RABITA_TIMEOUT ${settings.timeoutSeconds ?? 3}`,
  );
  return cfg;
}

/** Sends one SIP request over UDP and resolves with the first reply's status line, or null after `ms`. */
async function probe(port: number, ms: number): Promise<string | null> {
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const local = socket.address().port;
  const branch = `z9hG4bK-${randomBytes(6).toString('hex')}`;
  const message = [
    `OPTIONS sip:ping@127.0.0.1:${port} SIP/2.0`,
    `Via: SIP/2.0/UDP 127.0.0.1:${local};branch=${branch};rport`,
    'Max-Forwards: 70',
    `From: <sip:probe@127.0.0.1>;tag=${branch.slice(-8)}`,
    `To: <sip:ping@127.0.0.1:${port}>`,
    `Call-ID: probe-${branch}`,
    'CSeq: 1 OPTIONS',
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
  try {
    return await new Promise<string | null>((resolve) => {
      const timer = setTimeout(() => resolve(null), ms);
      socket.on('message', (reply) => {
        clearTimeout(timer);
        resolve(reply.toString('utf8').split('\r\n')[0] ?? '');
      });
      socket.send(message, port, '127.0.0.1');
    });
  } finally {
    socket.close();
  }
}

/** A child process with the text it wrote, stopped by its PID. */
export interface Running {
  child: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

function run(command: string, args: string[], cwd: string): Running {
  const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  child.stdout?.on('data', (d: Buffer) => {
    text += d.toString('utf8');
  });
  child.stderr?.on('data', (d: Buffer) => {
    text += d.toString('utf8');
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    child,
    output: () => text,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const late = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(late);
    },
  };
}

export interface Kamailio extends Running {
  port: number;
}

/**
 * Starts Kamailio in the foreground (`-DD -E`) with the template filled in, in `dir`, and waits until it answers
 * SIP. `answerLocally` starts it with `-A ANSWER_LOCALLY` (Kamailio answers every INVITE itself).
 */
export async function startKamailio(options: {
  dir: string;
  url: string;
  apiKey: string;
  answerLocally?: boolean;
}): Promise<Kamailio> {
  const port = await freeUdpPort();
  const cfg = path.join(options.dir, 'kamailio.cfg');
  await fs.writeFile(cfg, await renderKamailioConfig({ port, url: options.url, apiKey: options.apiKey }), {
    mode: 0o600,
  });
  const args = ['-DD', '-E', '-m', '32', '-M', '4', '-Y', options.dir, '-f', cfg];
  if (options.answerLocally) args.push('-A', 'ANSWER_LOCALLY');
  const kamailio = run('kamailio', args, options.dir);
  for (let i = 0; i < 100; i++) {
    if (kamailio.child.exitCode !== null) break;
    if ((await probe(port, 100)) !== null) return { ...kamailio, port };
  }
  await kamailio.stop();
  throw new Error(`Kamailio did not start:\n${kamailio.output().slice(-3000)}`);
}

const exec = (command: string, args: string[], cwd: string, timeoutMs: number) =>
  new Promise<{ code: number | null; output: string }>((resolve) => {
    execFile(command, args, { cwd, timeout: timeoutMs }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
      resolve({ code, output: `${stdout}${stderr}` });
    });
  });

/** A SIP request in a file for `sipsak -f`: CRLF line ends, the body's length counted. */
const sipFile = (lines: string[], body = '') =>
  `${lines.join('\r\n')}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;

/**
 * A call sent with sipsak (`-f` files): an INVITE from `from` to `to` through Kamailio at `port`, which answers it
 * (started with `answerLocally`); sipsak sends the ACK itself. `bye()` then hangs up in the dialog (the To tag read
 * from the 200 OK sipsak printed). `invitedAt` is the wall-clock time just before sipsak started.
 */
export async function sipsakInvite(options: {
  dir: string;
  port: number;
  from: string;
  to: string;
  callId?: string;
}): Promise<{ callId: string; invitedAt: number; output: string; bye(): Promise<string> }> {
  const callId = options.callId ?? `rabita-${randomBytes(8).toString('hex')}@127.0.0.1`;
  const tag = randomBytes(4).toString('hex');
  const local = await freeUdpPort();
  const target = `sip:${options.to}@127.0.0.1:${options.port}`;
  const common = (method: string, cseq: number, branch: string, toTag?: string) => [
    `${method} ${target} SIP/2.0`,
    `Via: SIP/2.0/UDP 127.0.0.1:${local};branch=z9hG4bK-${branch};rport`,
    'Max-Forwards: 70',
    `From: <sip:${options.from}@127.0.0.1>;tag=${tag}`,
    `To: <sip:${options.to}@127.0.0.1>${toTag ? `;tag=${toTag}` : ''}`,
    `Call-ID: ${callId}`,
    `CSeq: ${cseq} ${method}`,
    `Contact: <sip:${options.from}@127.0.0.1:${local}>`,
  ];
  const sdp = [
    'v=0',
    'o=- 1 1 IN IP4 127.0.0.1',
    's=-',
    'c=IN IP4 127.0.0.1',
    't=0 0',
    `m=audio ${local + 1} RTP/AVP 0`,
    'a=rtpmap:0 PCMU/8000',
    '',
  ].join('\r\n');
  const inviteFile = path.join(options.dir, `invite-${tag}.sip`);
  await fs.writeFile(
    inviteFile,
    sipFile([...common('INVITE', 1, `${tag}-1`), 'Content-Type: application/sdp'], sdp),
  );
  const sipsak = (file: string) =>
    exec('sipsak', ['-vvv', '-i', '-L', '-l', String(local), '-f', file, '-s', target], options.dir, 15_000);
  const invitedAt = Date.now();
  const invite = await sipsak(inviteFile);
  if (invite.code !== 0 || !/SIP\/2\.0 200/.test(invite.output))
    throw new Error(`sipsak's INVITE was not answered (${invite.code}):\n${invite.output.slice(-3000)}`);
  const toTag = /^To:.*;tag=([^;\s]+)/m.exec(invite.output.split(/SIP\/2\.0 200/)[1] ?? '')?.[1];
  return {
    callId,
    invitedAt,
    output: invite.output,
    bye: async () => {
      const byeFile = path.join(options.dir, `bye-${tag}.sip`);
      await fs.writeFile(byeFile, sipFile(common('BYE', 2, `${tag}-2`, toTag ?? 'unknown')));
      const bye = await sipsak(byeFile);
      if (bye.code !== 0 || !/SIP\/2\.0 200/.test(bye.output))
        throw new Error(`sipsak's BYE was not answered (${bye.code}):\n${bye.output.slice(-3000)}`);
      return bye.output;
    },
  };
}

/** baresip's configuration for a user agent on loopback: G.711, a sine as its microphone, a file as its speaker. */
async function baresipDir(dir: string, accounts: string[]): Promise<number> {
  const port = await freeUdpPort();
  await fs.mkdir(dir, { recursive: true });
  await fs.writeFile(
    path.join(dir, 'config'),
    [
      'poll_method epoll',
      `sip_listen 127.0.0.1:${port}`,
      'sip_transports udp',
      'net_interface 127.0.0.1',
      `audio_player aufile,${path.join(dir, 'heard.wav')}`,
      'audio_source ausine,440',
      'audio_alert aufile,/dev/null',
      'ausrc_srate 48000',
      'auplay_srate 48000',
      'ausrc_channels 2',
      'module_path /usr/lib/baresip/modules',
      'module g711.so',
      'module ausine.so',
      'module aufile.so',
      'module_app account.so',
      'module_app menu.so',
      '',
    ].join('\n'),
  );
  await fs.writeFile(path.join(dir, 'accounts'), `${accounts.join('\n')}\n`);
  return port;
}

/**
 * A desk phone: baresip registered at Kamailio as each extension given; `auto` answers at once, `manual` rings
 * until the caller gives up. Resolves when every extension is registered.
 */
export async function startPhone(options: {
  dir: string;
  kamailioPort: number;
  extensions: Record<string, 'auto' | 'manual'>;
}): Promise<Running> {
  const accounts = Object.entries(options.extensions).map(
    ([ext, mode]) =>
      `<sip:${ext}@127.0.0.1:${options.kamailioPort};transport=udp>;regint=300;answermode=${mode};medianat=;mediaenc=`,
  );
  const wanted = accounts.length;
  let output = '';
  // baresip binds TCP and TLS beside UDP on its port, which was only checked free for UDP: another test's socket
  // may hold it. Such a start fails at once, before any SIP is sent, and is tried again on another port.
  for (let attempt = 1; attempt <= BIND_ATTEMPTS; attempt++) {
    await baresipDir(options.dir, accounts);
    const phone = run('baresip', ['-f', options.dir], options.dir);
    for (let i = 0; i < 100; i++) {
      if ((phone.output().match(/\{0\/UDP\/v4\} 200 OK/g) ?? []).length >= wanted) return phone;
      if (phone.child.exitCode !== null || ADDRESS_IN_USE.test(phone.output())) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await phone.stop();
    output = phone.output();
    if (!ADDRESS_IN_USE.test(output)) break;
  }
  throw new Error(`baresip did not register:\n${output.slice(-3000)}`);
}

/** How often a user agent is started again when its port turned out to be taken. */
const BIND_ATTEMPTS = 3;
const ADDRESS_IN_USE = /Address already in use/;

/**
 * A caller: baresip (unregistered, as `from`) dials `to` through Kamailio and quits after `seconds` — hanging up
 * with a BYE if answered, a CANCEL if still ringing. Resolves with its output when it has quit.
 */
export async function baresipCall(options: {
  dir: string;
  kamailioPort: number;
  from: string;
  to: string;
  seconds: number;
}): Promise<string> {
  let output = '';
  for (let attempt = 1; attempt <= BIND_ATTEMPTS; attempt++) {
    await baresipDir(options.dir, [
      `<sip:${options.from}@127.0.0.1:${options.kamailioPort};transport=udp>;regint=0;medianat=;mediaenc=;outbound="sip:127.0.0.1:${options.kamailioPort}"`,
    ]);
    const dialled = await exec(
      'baresip',
      [
        '-f',
        options.dir,
        '-t',
        String(options.seconds),
        '-e',
        `/dial sip:${options.to}@127.0.0.1:${options.kamailioPort}`,
      ],
      options.dir,
      (options.seconds + 15) * 1000,
    );
    output = dialled.output;
    // A user agent whose port was taken failed before dialling: try again on another port.
    if (!ADDRESS_IN_USE.test(output)) break;
  }
  return output;
}
