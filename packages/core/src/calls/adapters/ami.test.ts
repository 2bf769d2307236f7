import { describe, expect, it } from 'vitest';
import { foldCall } from '../call-fold.ts';
import { phoneSystemAddress } from './adapter-settings.ts';
import { AmiCallMapper, endpointOf } from './ami-mapper.ts';
import { type AmiMessage, AmiParser, amiAction } from './ami-parser.ts';
import { AriCallMapper, queueOfArgs, queueOfChannelVars } from './ari-client.ts';
import { fixture } from './fake-phone-systems.ts';
import { type JournalEntry, journalEvents, keyOf, secondsOf } from './threecx.ts';
import { twilioEvents, twilioSignature } from './twilio.ts';

const parseAll = (chunks: (string | Buffer)[], options?: ConstructorParameters<typeof AmiParser>[1]) => {
  const out: AmiMessage[] = [];
  const parser = new AmiParser((m) => out.push(m), options);
  for (const c of chunks) parser.push(c);
  return { out, parser };
};
const isExtension = (e: string) => /^\d{3}$/.test(e);
const mapAll = (text: string) => {
  const mapper = new AmiCallMapper({ isExtension, now: () => new Date('2026-12-05T10:00:00Z') });
  return parseAll([text]).out.flatMap((m) => mapper.map(m));
};

describe('the AMI parser', () => {
  it('reads the same blocks whether the stream comes whole, byte by byte or cut inside a UTF-8 character', () => {
    const text = `Asterisk Call Manager/5.0.1\r\n${fixture('ami-inbound-answered.txt')}${amiAction({ Event: 'Test', Name: 'رضا ۰۹۱۲' })}`;
    const whole = parseAll([text]).out;
    const bytes = Buffer.from(text, 'utf8');
    const one = parseAll([...bytes].map((b) => Buffer.from([b]))).out;
    expect(whole.length).toBe(17);
    expect(one).toEqual(whole);
    expect(whole.at(-1)).toEqual({ event: 'Test', name: 'رضا ۰۹۱۲' });
    expect(whole[0]).toMatchObject({ event: 'Newchannel', linkedid: '1764928800.101', accountcode: '' });
  });

  it('takes bare LF line ends as well as CRLF', () => {
    const { out } = parseAll(['Event: A\nKey: 1\n\nEvent: B\r\nKey: 2\r\n\r\n']);
    expect(out).toEqual([
      { event: 'A', key: '1' },
      { event: 'B', key: '2' },
    ]);
  });

  it('drops a 10 MB line with its block and reads the next block, keeping no more than a line in memory', () => {
    const huge = 'X'.repeat(10 * 1024 * 1024);
    const chunks = ['Event: Hostile\r\nValue: ', huge.slice(0, 5_000_000), huge.slice(5_000_000), '\r\n\r\n'];
    const { out, parser } = parseAll([...chunks, 'Event: After\r\nKey: ok\r\n\r\n']);
    expect(out).toEqual([{ event: 'After', key: 'ok' }]);
    expect(parser.dropped).toBe(1);
  });

  it('drops a block of too many lines, and ignores garbage, NUL bytes and lines without a key', () => {
    const many = Array.from({ length: 300 }, (_, i) => `K${i}: v`).join('\r\n');
    const { out } = parseAll([
      `Event: Many\r\n${many}\r\n\r\n`,
      '\u0000\u0000garbage without colon\r\n: no key\r\nbad key!: x\r\nEvent: Ne\u0000wchannel\r\nLinkedid: 1.2\u0000\r\n\r\n',
      Buffer.from([0xff, 0xfe, 0x0d, 0x0a, 0x0d, 0x0a]),
    ]);
    expect(out).toEqual([{ event: 'Newchannel', linkedid: '1.2' }]);
  });

  it('refuses to write an action value with a line break (no header injection)', () => {
    expect(() => amiAction({ Action: 'Login', Secret: 'x\r\nAction: Originate' })).toThrow();
  });
});

describe('AMI events as call events', () => {
  it('reads channel names as endpoints', () => {
    expect(endpointOf('PJSIP/201-0000002a')).toBe('201');
    expect(endpointOf('SIP/201-0000002a')).toBe('201');
    expect(endpointOf('Local/201@from-queue-00000001;1')).toBe('201');
    expect(endpointOf('PJSIP/trunk-tci-00000065')).toBe('trunk-tci');
    expect(endpointOf(undefined)).toBeUndefined();
  });

  it('follows an inbound call answered by 201, held and resumed, to its end', () => {
    const events = mapAll(fixture('ami-inbound-answered.txt'));
    expect(events.map((e) => [e.event, e.sequence, e.extension])).toEqual([
      ['ringing', 12, undefined],
      ['ringing', 110, '201'],
      ['answered', 6422, '201'],
      ['held', 40000, undefined],
      ['resumed', 55500, undefined],
      ['ended', 96431, undefined],
    ]);
    expect(new Set(events.map((e) => e.callId))).toEqual(new Set(['1764928800.101']));
    const folded = foldCall(events);
    expect(folded).toMatchObject({
      state: 'ended',
      outcome: 'answered',
      extension: '201',
      direction: 'inbound',
      fromRaw: '09121234567',
      toRaw: '02188776655',
      duration: 90,
      cause: 'normal clearing',
    });
  });

  it('says a call nobody answered was missed', () => {
    const folded = foldCall(mapAll(fixture('ami-missed.txt')));
    expect(folded).toMatchObject({ state: 'ended', outcome: 'missed', cause: 'no answer', answeredAt: null });
  });

  it('follows a blind transfer to the extension that answers last', () => {
    const events = mapAll(fixture('ami-transfer.txt'));
    expect(events.map((e) => e.event)).toEqual([
      'ringing',
      'ringing',
      'answered',
      'transferred',
      'ringing',
      'answered',
      'ended',
    ]);
    expect(foldCall(events)).toMatchObject({ outcome: 'answered', extension: '202', duration: 83 });
  });

  it('without timestamps numbers a call’s events in the order seen, the same on every replay', () => {
    const once = mapAll(fixture('ami-inbound-no-timestamps.txt'));
    const again = mapAll(fixture('ami-inbound-no-timestamps.txt'));
    expect(once.map((e) => e.sequence)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(again.map((e) => [e.event, e.sequence])).toEqual(once.map((e) => [e.event, e.sequence]));
  });

  it('puts a caller who joins a queue in it: ringing at nobody, then at the members, answered by one', () => {
    const events = mapAll(fixture('ami-queue-answered.txt'));
    expect(events.map((e) => [e.event, e.sequence, e.extension, e.queue])).toEqual([
      ['ringing', 10, undefined, undefined],
      ['ringing', 2500, undefined, 'support'],
      ['ringing', 2601, '201', 'support'],
      ['ringing', 2611, '202', 'support'],
      ['answered', 9122, '202', 'support'],
      ['ended', 71410, undefined, 'support'],
    ]);
    expect(foldCall(events)).toMatchObject({
      queue: 'support',
      state: 'ended',
      outcome: 'answered',
      extension: '202',
      toRaw: '02188776600',
      duration: 62,
    });
    // While it waits the call is in the queue at nobody's extension: the members' pop.
    expect(foldCall(events.slice(0, 2))).toMatchObject({
      state: 'ringing',
      queue: 'support',
      extension: null,
    });
    // A queue event of a call the mapper does not follow, or without a queue, says nothing.
    const mapper = new AmiCallMapper({ isExtension });
    expect(mapper.map({ event: 'QueueCallerJoin', linkedid: '9.9', uniqueid: '9.9', queue: 'x' })).toEqual(
      [],
    );
  });

  it('ignores internal calls between two extensions', () => {
    const mapper = new AmiCallMapper({ isExtension });
    const internal = {
      event: 'Newchannel',
      channel: 'PJSIP/201-00000001',
      calleridnum: '201',
      exten: '202',
      uniqueid: '1.1',
      linkedid: '1.1',
    };
    expect(mapper.map(internal)).toEqual([]);
    expect(mapper.map({ event: 'Hangup', uniqueid: '1.1', linkedid: '1.1', cause: '16' })).toEqual([]);
    expect(mapper.size).toBe(0);
  });
});

describe('ARI events as call events', () => {
  it('follows StasisStart, the agent’s channel going Up and ChannelDestroyed', () => {
    const mapper = new AriCallMapper({ isExtension });
    const events = (JSON.parse(fixture('ari-inbound-answered.json')) as unknown[]).flatMap((e) =>
      mapper.map(e),
    );
    expect(events.map((e) => [e.event, e.sequence, e.extension])).toEqual([
      ['ringing', 40, undefined],
      ['answered', 7240, '201'],
      ['ended', 67290, undefined],
    ]);
    expect(foldCall(events)).toMatchObject({ outcome: 'answered', duration: 60, extension: '201' });
    expect(mapper.map(null)).toEqual([]);
    expect(mapper.map({ type: 'StasisStart', channel: 'x' })).toEqual([]);
  });

  it('puts a call in the queue the dialplan names in the Stasis arguments, on every event after', () => {
    const mapper = new AriCallMapper({ isExtension });
    const events = (JSON.parse(fixture('ari-queue-answered.json')) as unknown[]).flatMap((e) =>
      mapper.map(e),
    );
    expect(events.map((e) => [e.event, e.sequence, e.extension, e.queue])).toEqual([
      ['ringing', 30, undefined, 'support'],
      ['answered', 3110, '202', 'support'],
      ['ended', 93120, undefined, 'support'],
    ]);
    expect(foldCall(events)).toMatchObject({
      queue: 'support',
      outcome: 'answered',
      extension: '202',
      toRaw: '02188776600',
      duration: 90,
    });
    // While it waits the call is in the queue at nobody's extension: the members' pop.
    expect(foldCall(events.slice(0, 1))).toMatchObject({
      state: 'ringing',
      queue: 'support',
      extension: null,
    });
    // The inbound fixture names no queue.
    const plain = new AriCallMapper({ isExtension });
    for (const e of JSON.parse(fixture('ari-inbound-answered.json')) as unknown[])
      for (const event of plain.map(e)) expect(event).not.toHaveProperty('queue');
  });

  it('puts a call in the queue its RABITA_QUEUE channel variable names, from StasisStart or ChannelVarset', () => {
    const mapper = new AriCallMapper({ isExtension });
    const events = (JSON.parse(fixture('ari-queue-variable.json')) as unknown[]).flatMap((e) =>
      mapper.map(e),
    );
    expect(events.map((e) => [e.callId, e.event, e.sequence, e.extension, e.queue])).toEqual([
      // ari.conf's channelvars put the variable on StasisStart's channel.
      ['1764933600.701', 'ringing', 30, undefined, 'Sales'],
      // The agent's channel has the variable empty: the call keeps its queue.
      ['1764933600.701', 'answered', 4190, '202', 'Sales'],
      ['1764933600.701', 'ended', 64200, undefined, 'Sales'],
      ['1764933900.801', 'ringing', 20, undefined, undefined],
      // Set while the call rings: it rings again, in the queue, at nobody's extension.
      ['1764933900.801', 'ringing', 470, undefined, 'sales'],
      ['1764933900.801', 'ended', 30990, undefined, 'sales'],
    ]);
    expect(foldCall(events.filter((e) => e.callId === '1764933900.801'))).toMatchObject({
      queue: 'sales',
      outcome: 'missed',
    });
    expect(queueOfChannelVars({ RABITA_QUEUE: ' Support ' })).toBe('Support');
    for (const bad of [
      undefined,
      null,
      'RABITA_QUEUE=x',
      ['x'],
      {},
      { RABITA_QUEUE: 7 },
      { RABITA_QUEUE: '' },
    ])
      expect(queueOfChannelVars(bad), JSON.stringify(bad)).toBeUndefined();
    expect(queueOfChannelVars({ RABITA_QUEUE: 'a\u0000b' })).toBeUndefined();
    // Another variable, an outbound call, a hostile value or the same queue again send nothing.
    const other = new AriCallMapper({ isExtension });
    const start = (JSON.parse(fixture('ari-queue-variable.json')) as unknown[])[3] as Record<string, unknown>;
    other.map(start);
    const varset = (variable: string, value: unknown) => ({
      type: 'ChannelVarset',
      variable,
      value,
      timestamp: '2026-12-05T11:25:01.000+0000',
      channel: start.channel,
    });
    expect(other.map(varset('OTHER', 'sales'))).toEqual([]);
    expect(other.map(varset('RABITA_QUEUE', 'x'.repeat(300)))).toEqual([]);
    expect(other.map(varset('RABITA_QUEUE', { q: 1 }))).toEqual([]);
    expect(other.map(varset('RABITA_QUEUE', 'sales'))).toHaveLength(1);
    expect(other.map(varset('RABITA_QUEUE', 'sales'))).toEqual([]);
  });

  it('reads queue=<name> among the arguments and leaves out what the call-event schema would refuse', () => {
    expect(queueOfArgs(['queue=support'])).toBe('support');
    expect(queueOfArgs(['lang=fa', ' Queue = Sales desk '])).toBe('Sales desk');
    expect(queueOfArgs(['queue=پشتیبانی'])).toBe('پشتیبانی');
    expect(queueOfArgs(['queue=a=b'])).toBe('a=b');
    for (const bad of [
      undefined,
      'queue=support',
      [],
      [42, null],
      ['queue='],
      ['queue=  '],
      ['queues=x'],
      ['xqueue=x'],
      ['queue=sup\u0000port'],
      ['queue=sup\nport'],
      ['queue=\ud800'],
      [`queue=${'q'.repeat(201)}`],
      [`queue=${'q'.repeat(10_000)}`],
    ])
      expect(queueOfArgs(bad), JSON.stringify(bad)).toBeUndefined();
    // A queue the schema would refuse leaves the call without one rather than dropping its ringing.
    const mapper = new AriCallMapper({ isExtension });
    const [ringing] = mapper.map({
      type: 'StasisStart',
      args: ['queue=\u0007bell'],
      channel: { id: '7.1', name: 'PJSIP/trunk-1', caller: { number: '0912' }, dialplan: { exten: '800' } },
    });
    expect(ringing).toMatchObject({ event: 'ringing', direction: 'inbound' });
    expect(ringing).not.toHaveProperty('queue');
    // An outbound call (StasisStart on an agent's channel) is in no queue.
    const outbound = mapper.map({
      type: 'StasisStart',
      args: ['queue=support'],
      channel: {
        id: '7.2',
        name: 'PJSIP/201-0000002a',
        caller: { number: '201' },
        dialplan: { exten: '0912' },
      },
    });
    expect(outbound[0]).toMatchObject({ event: 'ringing', direction: 'outbound', extension: '201' });
    expect(outbound[0]).not.toHaveProperty('queue');
  });
});

describe('Twilio and 3CX input', () => {
  it('signs as Twilio does: the URL, then each parameter’s name and value in name order', () => {
    // Twilio's own example (TwilioDevEd/api-snippets, security/signature_validation), parameters out of order.
    const params: [string, string][] = [
      ['To', '+18005551212'],
      ['CallSid', 'CA1234567890ABCDE'],
      ['Caller', '+14158675310'],
      ['Digits', '1234'],
      ['From', '+14158675310'],
    ];
    expect(twilioSignature('12345', 'https://mycompany.com/myapp.php?foo=1&bar=2', params)).toBe(
      'GvWf1cFY/Q7PnoempGyD5oXAezc=',
    );
  });

  it('reads call statuses, durations and recordings', () => {
    const [ringing, progress, completed, recording] = (
      JSON.parse(fixture('twilio-inbound-completed.json')) as Record<string, string>[]
    ).map((p) => twilioEvents(p));
    expect(ringing).toMatchObject([{ event: 'ringing', sequence: 10, at: '2026-12-05T12:00:00.000Z' }]);
    expect(progress).toMatchObject([{ event: 'answered', sequence: 20 }]);
    expect(completed).toMatchObject([{ event: 'ended', duration: 75 }]);
    // A queue the voice application names, or the QueueSid of an <Enqueue>d call.
    expect(twilioEvents({ CallSid: 'CA2', CallStatus: 'ringing', queue: ' support ' })).toMatchObject([
      { event: 'ringing', queue: 'support' },
    ]);
    expect(twilioEvents({ CallSid: 'CA3', CallStatus: 'ringing', QueueSid: 'QU123' })[0]?.queue).toBe(
      'QU123',
    );
    expect(twilioEvents({ CallSid: 'CA4', CallStatus: 'ringing' })[0]).not.toHaveProperty('queue');
    expect(recording).toMatchObject([{ event: 'recording', recordingUrl: expect.stringMatching(/^https:/) }]);
    expect(twilioEvents({ CallSid: 'CA1', CallStatus: 'busy', From: 'a', To: 'b' })).toMatchObject([
      { event: 'ended', cause: 'busy' },
    ]);
  });

  it('reads 3CX keys, durations and journal entries', () => {
    expect(keyOf('Bearer rbp_abc')).toBe('rbp_abc');
    expect(keyOf(`Basic ${Buffer.from('3cx:rbp_abc').toString('base64')}`)).toBe('rbp_abc');
    expect(keyOf('Basic !!!')).toBeUndefined();
    expect(keyOf(undefined)).toBeUndefined();
    expect(secondsOf('00:01:30')).toBe(90);
    expect(secondsOf('45')).toBe(45);
    expect(secondsOf('1:2:3:4')).toBeUndefined();
    const missed = journalEvents({ callType: 'Missed', number: '0912', start: '2026-12-05T10:00:00Z' });
    expect(foldCall(missed)).toMatchObject({ outcome: 'missed', direction: 'inbound' });
    const talked = journalEvents({
      callType: 'Inbound',
      number: '0912',
      agent: '201',
      duration: '00:02:00',
      start: '2026-12-05T10:00:00Z',
      end: '2026-12-05T10:02:10Z',
    });
    expect(foldCall(talked)).toMatchObject({ outcome: 'answered', duration: 120, extension: '201' });
    expect(
      journalEvents({ callType: 'Missed', number: '0912', start: '2026-12-05T10:00:00Z' })[0]!.callId,
    ).toBe(missed[0]!.callId);
    // A queue by name on every event; an inbound call's queue number as the number it dialled.
    const [byName, byNumber] = (JSON.parse(fixture('threecx-queue-journal.json')) as JournalEntry[]).map(
      (entry) => journalEvents(entry),
    );
    expect(byName!.map((e) => e.queue)).toEqual(['Billing', 'Billing', 'Billing']);
    expect(foldCall(byName!)).toMatchObject({ queue: 'Billing', toRaw: '811', outcome: 'answered' });
    expect(byNumber!.every((e) => e.queue === undefined && e.to === '811')).toBe(true);
    expect(
      journalEvents({
        callType: 'Outbound',
        number: '0912',
        start: '2026-12-05T10:00:00Z',
        queueNumber: '811',
      })[0],
    ).toMatchObject({ to: '0912', from: '' });
  });

  it('refuses phone systems on private or loopback addresses unless the operator allows them', async () => {
    await expect(phoneSystemAddress('127.0.0.1', false)).rejects.toThrow(/RABITA_CALLS_ALLOW_PRIVATE/);
    await expect(phoneSystemAddress('192.168.1.10', false)).rejects.toThrow();
    await expect(phoneSystemAddress('[::1]', false)).rejects.toThrow();
    expect(await phoneSystemAddress('127.0.0.1', true)).toBe('127.0.0.1');
    expect(await phoneSystemAddress('93.184.216.34', false)).toBe('93.184.216.34');
  });
});
