import os from 'node:os';
import { describe, expect, it } from 'vitest';
import { assertPublicUrl, isBlockedAddress, UnsafeUrlError } from './url-guard.ts';

describe('webhook address guard', () => {
  it('refuses every IANA special-purpose range, IPv4 and IPv6', () => {
    for (const address of [
      '0.0.0.0',
      '10.1.2.3',
      '100.64.0.1',
      '127.0.0.1',
      '169.254.169.254',
      '172.16.0.1',
      '192.0.0.9',
      '192.0.2.10', // TEST-NET-1
      '192.31.196.1', // AS112
      '192.52.193.1', // AMT
      '192.88.99.1', // 6to4 relay anycast
      '192.168.1.1',
      '192.175.48.1', // AS112
      '198.18.0.1', // benchmarking
      '198.51.100.7', // TEST-NET-2
      '203.0.113.9', // TEST-NET-3
      '224.0.0.1',
      '240.0.0.1',
      '255.255.255.255',
      '::',
      '::1',
      '::127.0.0.1', // IPv4-compatible: the deprecated ::/96
      '::ffff:127.0.0.1',
      '::ffff:8.8.8.8', // any IPv4-mapped address
      '::ffff:0:8.8.8.8', // IPv4-translated
      '64:ff9b::808:808', // NAT64
      '64:ff9b:1::1', // local-use NAT64
      '100::1', // discard-only
      '2001::1', // Teredo
      '2001:2::1', // benchmarking
      '2001:db8::1', // documentation
      '2001:10::1', // ORCHID
      '2002::1', // 6to4
      '2620:4f:8000::1', // AS112
      '3fff::1', // documentation
      '5f00::1', // segment routing
      'fc00::1',
      'fd12:3456::1',
      'fe80::1',
      'fec0::1',
      'ff02::1',
      '4000::1', // outside global unicast (2000::/3)
      'not an address',
    ]) {
      expect(isBlockedAddress(address), address).toBe(true);
    }
  });

  it('lets public unicast addresses through', () => {
    for (const address of [
      '8.8.8.8',
      '1.1.1.1',
      '93.184.215.14',
      '2606:4700:4700::1111',
      '2a00:1450:4001::1',
    ])
      expect(isBlockedAddress(address), address).toBe(false);
  });

  it("refuses the host's own interface addresses, whatever range they are in", () => {
    const own = Object.values(os.networkInterfaces())
      .flat()
      .map((a) => a?.address)
      .filter((a): a is string => typeof a === 'string');
    expect(own.length).toBeGreaterThan(0);
    for (const address of own) expect(isBlockedAddress(address), address).toBe(true);
    // A public address the machine holds is its own too (routed over loopback).
    expect(isBlockedAddress('8.8.4.4', { ownAddresses: ['8.8.4.4'] })).toBe(true);
    expect(isBlockedAddress('8.8.4.4', { ownAddresses: ['8.8.8.8'] })).toBe(false);
  });

  it('refuses bracketed literals of special addresses when a webhook is saved', async () => {
    for (const url of [
      'http://[::127.0.0.1]/x',
      'http://[::ffff:7f00:1]/x',
      'http://[64:ff9b:1::a00:1]/x',
      'http://[100::1]/x',
      'http://[2001:db8::1]/x',
      'http://192.0.2.1/x',
      'http://198.51.100.1/x',
      'http://192.88.99.1/x',
    ]) {
      await expect(assertPublicUrl(url, { allowPrivate: false }), url).rejects.toBeInstanceOf(UnsafeUrlError);
    }
    await expect(assertPublicUrl('http://[::127.0.0.1]/x', { allowPrivate: true })).resolves.toBeInstanceOf(
      URL,
    );
  });
});
