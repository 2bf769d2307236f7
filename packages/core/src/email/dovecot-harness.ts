// Test support for the email module (imported by tests only): a throwaway Dovecot per test file, with IMAP and
// LMTP on free loopback ports, a passwd-file of users and a maildir root, all in a fresh temporary folder.
//
// Dovecot refuses to give mail to uid 0, so the mail belongs to uid 65534 (nobody), and when the tests run as
// root the whole server runs as that user too (master, login, auth and mail processes: nothing listens as root).
// Run unprivileged, it runs as the current user instead. Each instance has its own base_dir, state_dir, log and
// ports, so parallel test files never share a socket or a pid file.
//
// Addresses: users are domain-less (`alice`); IMAP logs in as `alice`, and LMTP delivers to `alice@localhost`
// (`address(name)`) — the passdb and userdb keep only the part before the `@` (`username_format=%n`), so any domain
// reaches the same mailbox.
import { type ChildProcess, spawn } from 'node:child_process';
import { constants } from 'node:fs';
import {
  access,
  appendFile,
  chown,
  mkdir,
  mkdtemp,
  open,
  readdir,
  readFile,
  rm,
  writeFile,
} from 'node:fs/promises';
import { type AddressInfo, connect, createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { ImapFlow } from 'imapflow';
import nodemailer from 'nodemailer';

const HOST = '127.0.0.1';
const READY_MS = 10_000;
const STOP_MS = 10_000;
const START_ATTEMPTS = 3;
/** The uid and gid the mail (and, under root, the whole server) belongs to: Dovecot refuses mail as uid 0. */
const MAIL_ID = 65534;

export interface MailUser {
  name: string;
  password: string;
}

export interface Dovecot {
  host: string;
  imapPort: number;
  lmtpPort: number;
  /** The users Dovecot knows, with their passwords (IMAP logs in with `name`). */
  readonly users: readonly MailUser[];
  /** The folder holding the config, passwd-file, maildirs, base_dir and log (removed by `stop`). */
  dir: string;
  /** Dovecot's log, named in the errors this harness throws. */
  logPath: string;
  /** The LMTP recipient address of a user: `<name>@localhost`. */
  address(name: string): string;
  /** Adds a user to the passwd-file and resolves once Dovecot's passdb and userdb both see it. */
  addUser(name: string, password: string): Promise<void>;
  /** Delivers a raw RFC 5322 message to a user by LMTP, as a mail server would. */
  deliver(name: string, rawMessage: string | Buffer): Promise<void>;
  /** Appends a raw message to a user's mailbox by IMAP APPEND, with flags (`\\Seen`); resolves to its UID. */
  append(name: string, mailbox: string, rawMessage: string | Buffer, flags?: string[]): Promise<number>;
  /** Runs `doveadm -c <conf> ...args` and resolves to its standard output. */
  doveadm(args: string[]): Promise<string>;
  /** Sets a mailbox's UIDVALIDITY, as a server restored from backup or rebuilt would. */
  setUidValidity(name: string, mailbox: string, uidValidity: number): Promise<void>;
  /** Expunges messages by UID behind the clients' backs. */
  expunge(name: string, mailbox: string, uids: number[]): Promise<void>;
  /** The master's pid and its descendants' now alive (empty once stopped). */
  processIds(): Promise<number[]>;
  /** Stops the master, waits until every Dovecot process has exited, and removes the folder. */
  stop(): Promise<void>;
}

/** Whom the server runs as: root's tests give everything to 65534, an unprivileged run keeps its own ids. */
interface RunAs {
  uid: number;
  gid: number;
  user: string;
  group: string;
  /** Whether the server is started as another user (`spawn`'s uid and gid), which only root may do. */
  switchUser: boolean;
}

const running = new Set<ChildProcess>();
let exitHookInstalled = false;

/**
 * Starts a throwaway Dovecot on free loopback ports, with `users` (default one: alice, password `secret`).
 * Throws when Dovecot is not installed, or when it does not accept IMAP within 10 s (the error names its log).
 */
export async function startDovecot(
  options: {
    users?: MailUser[];
    /** Replaces the IMAP CAPABILITY list a logged-in client sees (`imap_capability`), to play an older server. */
    imapCapability?: string;
  } = {},
): Promise<Dovecot> {
  const dovecotBin = await findBinary('dovecot');
  const doveadmBin = await findBinary('doveadm');
  if (!dovecotBin || !doveadmBin) {
    throw new Error(
      'Dovecot is not installed: the email tests need a real IMAP server. Install it with ' +
        '`apt-get install -y --no-install-recommends dovecot-imapd dovecot-lmtpd`.',
    );
  }
  const users = (options.users ?? [{ name: 'alice', password: 'secret' }]).map((u) => ({ ...u }));
  for (const user of users) checkUser(user);
  if (
    options.imapCapability !== undefined &&
    !/^[A-Za-z0-9=+.-]+( [A-Za-z0-9=+.-]+)*$/.test(options.imapCapability)
  )
    throw new Error(`Dovecot capability list "${options.imapCapability}" is not a plain list of words`);
  if (new Set(users.map((u) => u.name)).size !== users.length) {
    throw new Error('Dovecot users must be unique');
  }

  const runAs = await runIdentity();
  const dir = await mkdtemp(path.join(os.tmpdir(), 'rabita-dovecot-'));
  const confPath = path.join(dir, 'dovecot.conf');
  const usersPath = path.join(dir, 'users');
  const logPath = path.join(dir, 'dovecot.log');
  const mailRoot = path.join(dir, 'mail');
  const homeOf = (name: string) => path.join(mailRoot, name);
  const passwdLine = (u: MailUser) =>
    `${u.name}:{PLAIN}${u.password}:${runAs.uid}:${runAs.gid}::${homeOf(u.name)}::\n`;

  await mkdir(mailRoot);
  for (const user of users) await mkdir(homeOf(user.name));
  await writeFile(usersPath, users.map(passwdLine).join(''), { mode: 0o644 });
  // A greeting of this instance's own, so a port taken meanwhile by another process is never mistaken for ours.
  const greeting = `Rabita test mail ${path.basename(dir)}`;

  const { master, imapPort, lmtpPort } = await startMaster({
    dovecotBin,
    dir,
    confPath,
    usersPath,
    logPath,
    greeting,
    runAs,
    imapCapability: options.imapCapability,
  });

  const doveadm = (args: string[]) => run(doveadmBin, ['-c', confPath, ...args]);
  const passwordOf = (name: string) => {
    const user = users.find((u) => u.name === name);
    if (!user) throw new Error(`Dovecot has no user ${name}`);
    return user.password;
  };
  const address = (name: string) => `${name}@localhost`;
  let stopped = false;

  return {
    host: HOST,
    imapPort,
    lmtpPort,
    users,
    dir,
    logPath,
    address,
    async addUser(name, password) {
      const user = { name, password };
      checkUser(user);
      if (users.some((u) => u.name === name)) throw new Error(`Dovecot already has a user ${name}`);
      await mkdir(homeOf(name));
      if (runAs.switchUser) await chown(homeOf(name), runAs.uid, runAs.gid);
      await appendFile(usersPath, passwdLine(user));
      users.push(user);
      await waitForUser(doveadm, name, logPath);
    },
    async deliver(name, rawMessage) {
      const transport = nodemailer.createTransport({
        lmtp: true,
        host: HOST,
        port: lmtpPort,
        secure: false,
        ignoreTLS: true,
        name: 'localhost',
      });
      try {
        const info = await transport.sendMail({
          envelope: { from: 'sender@localhost', to: [address(name)] },
          raw: rawMessage,
        });
        if (info.rejected.length > 0) {
          throw new Error(`Dovecot refused delivery to ${address(name)}: ${info.response}; see ${logPath}`);
        }
      } finally {
        transport.close();
      }
    },
    async append(name, mailbox, rawMessage, flags = []) {
      const client = new ImapFlow({
        host: HOST,
        port: imapPort,
        secure: false,
        auth: { user: name, pass: passwordOf(name) },
        logger: false,
      });
      await client.connect();
      try {
        const result = await client.append(mailbox, rawMessage, flags);
        if (!result || result.uid === undefined) {
          throw new Error(`Dovecot did not append to ${name}'s ${mailbox}`);
        }
        return result.uid;
      } finally {
        await client.logout();
      }
    },
    doveadm,
    async setUidValidity(name, mailbox, uidValidity) {
      await doveadm(['mailbox', 'update', '-u', name, '--uid-validity', String(uidValidity), mailbox]);
    },
    async expunge(name, mailbox, uids) {
      if (uids.length === 0) return;
      await doveadm(['expunge', '-u', name, 'mailbox', mailbox, 'uid', uids.join(',')]);
    },
    processIds: () => (stopped || master.pid === undefined ? Promise.resolve([]) : processTree(master.pid)),
    async stop() {
      if (stopped) return;
      stopped = true;
      const pids = master.pid === undefined ? [] : await processTree(master.pid);
      await stopProcess(master);
      await waitForExit(pids);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

interface MasterInput {
  dovecotBin: string;
  dir: string;
  confPath: string;
  usersPath: string;
  logPath: string;
  greeting: string;
  runAs: RunAs;
  imapCapability?: string | undefined;
}

/**
 * Writes the config for two free ports and starts the master; picks new ports when another process took one in
 * the meantime. A failed start leaves the folder in place, so the log the error names can still be read.
 */
async function startMaster(
  input: MasterInput,
): Promise<{ master: ChildProcess; imapPort: number; lmtpPort: number }> {
  const { dovecotBin, dir, confPath, logPath, greeting, runAs } = input;
  for (let attempt = 1; ; attempt++) {
    const ports = await freePorts();
    const config = dovecotConfig({ ...input, imapPort: ports.imap, lmtpPort: ports.lmtp });
    await writeFile(confPath, config);
    await chownTree(dir, runAs);
    const master = await launch(dovecotBin, confPath, logPath, runAs);
    const outcome = await waitUntilReady(master, ports.imap, greeting);
    if (outcome === 'ready') return { master, imapPort: ports.imap, lmtpPort: ports.lmtp };
    const log = await logTail(logPath);
    if (outcome === 'exited' && /address already in use/i.test(log) && attempt < START_ATTEMPTS) continue;
    await stopProcess(master);
    throw new Error(
      outcome === 'exited'
        ? `Dovecot exited before accepting IMAP on ${HOST}:${ports.imap}; see its log ${logPath}:\n${log}`
        : `Dovecot did not accept IMAP on ${HOST}:${ports.imap} within ${READY_MS / 1000} s; ` +
            `see its log ${logPath}:\n${log}`,
    );
  }
}

/** The users' names go into a passwd-file and an LMTP address, so keep them to plain characters. */
function checkUser(user: MailUser): void {
  if (!/^[A-Za-z0-9._-]+$/.test(user.name)) throw new Error(`Dovecot user name "${user.name}" is not plain`);
  if (/[:\r\n]/.test(user.password) || user.password === '') {
    throw new Error(`Dovecot password of ${user.name} must be non-empty without ":" or line breaks`);
  }
}

/** A binary on PATH or in the sbin folders an unprivileged PATH leaves out (`/usr/sbin/dovecot`). */
async function findBinary(name: string): Promise<string | null> {
  const folders = [
    ...(process.env.PATH ?? '').split(path.delimiter),
    '/usr/sbin',
    '/usr/local/sbin',
    '/sbin',
  ];
  for (const folder of folders.filter(Boolean)) {
    const candidate = path.join(folder, name);
    if (
      await access(candidate, constants.X_OK).then(
        () => true,
        () => false,
      )
    )
      return candidate;
  }
  return null;
}

/** Root runs the server as 65534 (nobody); anyone else runs it as themselves. Dovecot wants names, not ids. */
async function runIdentity(): Promise<RunAs> {
  const root = process.getuid?.() === 0;
  const uid = root ? MAIL_ID : (process.getuid?.() ?? MAIL_ID);
  const gid = root ? MAIL_ID : (process.getgid?.() ?? MAIL_ID);
  const user = await nameOf('/etc/passwd', uid);
  const group = await nameOf('/etc/group', gid);
  if (!user || !group) throw new Error(`Dovecot needs a user and group named for uid ${uid} and gid ${gid}`);
  return { uid, gid, user, group, switchUser: root };
}

/** The name of an id in /etc/passwd or /etc/group (`name:x:id:...`). */
async function nameOf(file: string, id: number): Promise<string | undefined> {
  const text = await readFile(file, 'utf8').catch(() => '');
  return text
    .split('\n')
    .map((line) => line.split(':'))
    .find((fields) => fields[2] === String(id))?.[0];
}

/** Two distinct free loopback ports, held together so the kernel cannot hand out the same one twice. */
async function freePorts(): Promise<{ imap: number; lmtp: number }> {
  const servers = [createServer(), createServer()];
  await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.listen(0, HOST, resolve))));
  const [imap, lmtp] = servers.map((s) => (s.address() as AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  if (imap === undefined || lmtp === undefined) throw new Error('no free loopback ports');
  return { imap, lmtp };
}

interface ConfigInput extends Omit<MasterInput, 'dovecotBin' | 'confPath'> {
  imapPort: number;
  lmtpPort: number;
}

/**
 * The instance's dovecot.conf: loopback only, no TLS, plaintext logins, maildir homes, Sent/Drafts/Trash with
 * special-use flags, and the internal users set to the run identity with no chroot, so it needs no root.
 * One setting a line: Dovecot rejects `{ key = value }` on one line.
 */
function dovecotConfig(c: ConfigInput): string {
  const special = (name: string) => [
    `  mailbox ${name} {`,
    `    special_use = \\${name}`,
    '    auto = subscribe',
    '  }',
  ];
  return [
    '# Rabita test mail server (written by dovecot-harness.ts; removed when the test stops it)',
    'protocols = imap lmtp',
    `listen = ${HOST}`,
    `base_dir = ${path.join(c.dir, 'run')}`,
    `state_dir = ${path.join(c.dir, 'state')}`,
    `log_path = ${c.logPath}`,
    `login_greeting = ${c.greeting}`,
    'ssl = no',
    'disable_plaintext_auth = no',
    'auth_mechanisms = plain login',
    'auth_verbose = yes',
    // Tests try wrong passwords on purpose: answer a failure at once (see also anvil below).
    'auth_failure_delay = 0',
    'mail_location = maildir:~/Maildir',
    'mail_fsync = never',
    'first_valid_uid = 1',
    `default_internal_user = ${c.runAs.user}`,
    `default_login_user = ${c.runAs.user}`,
    `default_internal_group = ${c.runAs.group}`,
    'passdb {',
    '  driver = passwd-file',
    `  args = scheme=PLAIN username_format=%n ${c.usersPath}`,
    '}',
    'userdb {',
    '  driver = passwd-file',
    `  args = username_format=%n ${c.usersPath}`,
    '}',
    'namespace inbox {',
    '  inbox = yes',
    '  separator = /',
    ...special('Sent'),
    ...special('Drafts'),
    ...special('Trash'),
    '}',
    'protocol imap {',
    ...(c.imapCapability ? [`  imap_capability = ${c.imapCapability}`] : []),
    // Every test connects from 127.0.0.1 as the same few users; the default of 10 is soon reached.
    '  mail_max_userip_connections = 100',
    '}',
    'service imap-login {',
    '  chroot =',
    '  inet_listener imap {',
    `    address = ${HOST}`,
    `    port = ${c.imapPort}`,
    '  }',
    '  inet_listener imaps {',
    '    port = 0',
    '  }',
    '}',
    'service anvil {',
    '  chroot =',
    // No auth penalty: after a wrong password from 127.0.0.1, the next login with another password would wait
    // 2-15 s, and every test connects from 127.0.0.1.
    '  unix_listener anvil-auth-penalty {',
    '    mode = 0',
    '  }',
    '}',
    'service lmtp {',
    '  inet_listener lmtp {',
    `    address = ${HOST}`,
    `    port = ${c.lmtpPort}`,
    '  }',
    '}',
    'protocol lmtp {',
    '  postmaster_address = postmaster@localhost',
    '}',
    '',
  ].join('\n');
}

/** Gives the instance's folder to the run identity (under root: to 65534, which Dovecot runs and delivers as). */
async function chownTree(folder: string, runAs: RunAs): Promise<void> {
  if (!runAs.switchUser) return;
  await chown(folder, runAs.uid, runAs.gid);
  for (const entry of await readdir(folder, { recursive: true })) {
    await chown(path.join(folder, entry), runAs.uid, runAs.gid);
  }
}

/** Starts the master in the foreground (`-F`), so this process holds it; its own output goes to the log too. */
async function launch(
  dovecotBin: string,
  confPath: string,
  logPath: string,
  runAs: RunAs,
): Promise<ChildProcess> {
  const log = await open(logPath, 'a');
  if (runAs.switchUser) await log.chown(runAs.uid, runAs.gid);
  try {
    const child = spawn(dovecotBin, ['-F', '-c', confPath], {
      stdio: ['ignore', log.fd, log.fd],
      ...(runAs.switchUser ? { uid: runAs.uid, gid: runAs.gid } : {}),
    });
    child.on('error', () => {});
    running.add(child);
    child.once('exit', () => running.delete(child));
    installExitHook();
    return child;
  } finally {
    await log.close();
  }
}

/** A test run that ends without stopping its Dovecot still stops it, rather than leave a server listening. */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const child of running) child.kill('SIGTERM');
  });
}

/** Waits until IMAP greets with this instance's greeting, the master exits, or 10 s pass. */
async function waitUntilReady(
  child: ChildProcess,
  port: number,
  greeting: string,
): Promise<'ready' | 'exited' | 'timeout'> {
  const deadline = Date.now() + READY_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) return 'exited';
    if (await greets(port, greeting)) return 'ready';
    await sleep(50);
  }
  return 'timeout';
}

/** Whether a connection to the port is answered with the greeting. */
function greets(port: number, greeting: string): Promise<boolean> {
  return new Promise((resolve) => {
    let text = '';
    const socket = connect({ host: HOST, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1_000, () => done(false));
    socket.on('error', () => done(false));
    socket.on('data', (chunk) => {
      text += chunk.toString('latin1');
      if (text.includes('\n')) done(text.includes(greeting));
    });
    socket.on('end', () => done(false));
  });
}

/** Asks the master to stop, and kills it when it has not exited in 10 s. */
async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_MS);
  await exited;
  clearTimeout(timer);
}

/** Waits until none of the pids is alive (the master's children leave as it shuts down), killing stragglers. */
async function waitForExit(pids: number[]): Promise<void> {
  const deadline = Date.now() + STOP_MS;
  let alive = pids.filter(isAlive);
  while (alive.length > 0 && Date.now() < deadline) {
    await sleep(50);
    alive = alive.filter(isAlive);
  }
  for (const pid of alive) process.kill(pid, 'SIGKILL');
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The pid and its descendants', read from /proc (each stat line's fourth field is the parent pid). */
async function processTree(root: number): Promise<number[]> {
  const parents = new Map<number, number>();
  for (const entry of await readdir('/proc').catch(() => [])) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    // The command name (second field) is in parentheses and may hold spaces: read after the last ')'.
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (ppid) parents.set(Number(entry), ppid);
  }
  const tree = isAlive(root) ? [root] : [];
  for (let i = 0; i < tree.length; i++) {
    for (const [pid, ppid] of parents) if (ppid === tree[i]) tree.push(pid);
  }
  return tree;
}

/** Polls until Dovecot's passdb and userdb both know the user: it rereads the passwd-file at most once a second. */
async function waitForUser(
  doveadm: (args: string[]) => Promise<string>,
  name: string,
  logPath: string,
): Promise<void> {
  const deadline = Date.now() + READY_MS;
  while (Date.now() < deadline) {
    const known = await Promise.all([doveadm(['auth', 'lookup', name]), doveadm(['user', name])]).then(
      () => true,
      () => false,
    );
    if (known) return;
    await sleep(100);
  }
  throw new Error(
    `Dovecot did not see the new user ${name} within ${READY_MS / 1000} s; see its log ${logPath}`,
  );
}

/** Runs a command; resolves to its output, rejects with its error output. */
function run(bin: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve(Buffer.concat(out).toString('utf8'));
      else {
        const detail =
          Buffer.concat(err).toString('utf8').trim() || Buffer.concat(out).toString('utf8').trim();
        reject(new Error(`${path.basename(bin)} ${args.join(' ')} failed (${code}): ${detail}`));
      }
    });
  });
}

/** The log's last lines, for error messages. */
async function logTail(logPath: string): Promise<string> {
  const text = await readFile(logPath, 'utf8').catch(() => '(no log written)');
  return text.trim().split('\n').slice(-20).join('\n');
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
