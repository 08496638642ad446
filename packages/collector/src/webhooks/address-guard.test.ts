import type { lookup } from 'node:dns';
import { describe, expect, it } from 'vitest';
import { ADDRESS_NOT_ALLOWED, guardedLookup, isPrivateAddress, urlProblem } from './address-guard.js';

describe('isPrivateAddress', () => {
  it.each([
    ['127.0.0.1', true],
    ['127.255.0.9', true],
    ['10.1.2.3', true],
    ['172.16.0.1', true],
    ['172.31.255.255', true],
    ['172.32.0.1', false],
    ['192.168.1.1', true],
    ['169.254.169.254', true],
    ['0.0.0.0', true],
    ['8.8.8.8', false],
    ['93.184.216.34', false],
    ['::1', true],
    ['::', true],
    ['fd00:ec2::254', true],
    ['fc00::1', true],
    ['fe80::1', true],
    ['::ffff:127.0.0.1', true],
    ['::ffff:8.8.8.8', false],
    ['2606:4700::1111', false],
    ['not-an-ip', true],
  ])('%s -> %s', (address, expected) => {
    expect(isPrivateAddress(address)).toBe(expected);
  });
});

describe('urlProblem', () => {
  it.each([
    ['https://erp.example/hook', false, null],
    ['http://erp.example/hook', false, 'must be an https URL (webhooks.allowHttp permits http)'],
    ['http://erp.example/hook', true, null],
    ['ftp://erp.example/hook', true, 'must be an http or https URL'],
    ['https://user:pw@erp.example/hook', false, 'must not contain credentials'],
    ['nope', false, 'not a valid URL'],
  ])('%s (allowHttp %s)', (url, allowHttp, expected) => {
    expect(urlProblem(url, { allowHttp })).toBe(expected);
  });
});

describe('guardedLookup', () => {
  const fakeDns = (addresses: { address: string; family: number }[]) =>
    ((_host: string, _options: unknown, callback: (e: null, a: typeof addresses) => void) =>
      callback(null, addresses)) as unknown as typeof lookup;
  const run = (allowPrivateNetworks: boolean, addresses: { address: string; family: number }[]) =>
    new Promise<{ error: NodeJS.ErrnoException | null; address: string }>((resolve) =>
      guardedLookup({ allowHttp: false, allowPrivateNetworks }, fakeDns(addresses))('h.example', {}, (error, address) =>
        resolve({ error, address: address as string }),
      ),
    );

  it('refuses a name that resolves only to private addresses', async () => {
    const { error } = await run(false, [{ address: '10.0.0.5', family: 4 }]);
    expect(error?.code).toBe(ADDRESS_NOT_ALLOWED);
  });

  it('connects only to the public answers of a mixed name', async () => {
    const answers = [
      { address: '127.0.0.1', family: 4 },
      { address: '93.184.216.34', family: 4 },
    ];
    expect(await run(false, answers)).toEqual({ error: null, address: '93.184.216.34' });
  });

  it('lets private answers through when allowed', async () => {
    expect(await run(true, [{ address: '127.0.0.1', family: 4 }])).toEqual({ error: null, address: '127.0.0.1' });
  });
});
