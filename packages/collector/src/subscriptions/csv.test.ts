import { describe, expect, it } from 'vitest';
import { DEFAULT_IDENTITY_CONFIG } from '../identity/config.js';
import { CsvImportError, csvLine, parseImportCsv } from './csv.js';

const NOW = new Date('2026-04-01T00:00:00.000Z');
const parse = (text: string) => parseImportCsv(text, DEFAULT_IDENTITY_CONFIG, NOW);

describe('parseImportCsv', () => {
  it('reads quoted fields, CRLF, a BOM, header case, and takes at or since as the time', () => {
    const rows = parse(
      '\ufeffChannel,Address,Status,Topic,At\r\n' +
        'email,"Ada@X.io",subscribed,,2026-01-01T00:00:00Z\r\n' +
        'email,"b@x.io",unsubscribed,"weekly, digest",\r\n' +
        '\r\n' +
        'sms,+1 415 555 0100,bounced,,\r\n',
    );
    expect(rows).toEqual([
      {
        line: 2,
        ok: true,
        change: {
          channel: 'email',
          address: 'ada@x.io',
          topic: null,
          status: 'subscribed',
          source: 'import',
          at: '2026-01-01T00:00:00.000Z',
          proof: null,
        },
      },
      { line: 3, ok: true, change: expect.objectContaining({ topic: 'weekly, digest', at: NOW.toISOString() }) },
      {
        line: 5,
        ok: true,
        change: expect.objectContaining({ channel: 'sms', address: '+14155550100', status: 'bounced' }),
      },
    ]);
    expect(
      parse('channel,address,topic,status,since,source\nemail,a@x.io,,unsubscribed,2026-02-02T00:00:00.000Z,api\n')[0],
    ).toMatchObject({
      ok: true,
      change: { at: '2026-02-02T00:00:00.000Z', source: 'import' },
    });
  });

  it.each([
    ['fax,a@x.io,subscribed', 'channel must be one of'],
    ['email,nope,subscribed', 'address "nope" is not a valid email'],
    ['email,a@x.io,maybe', 'status must be one of subscribed, unsubscribed, none, bounced, complained'],
    ['email,a@x.io,bounced,offers', 'status must be one of subscribed, unsubscribed, none'],
    ['email,a@x.io,subscribed,,yesterday', 'at is not an ISO 8601 date-time'],
  ])('reports %s', (row, message) => {
    expect(parse(`channel,address,status,topic,at\n${row}\n`)).toEqual([
      { line: 2, ok: false, message: expect.stringContaining(message) },
    ]);
  });

  it('refuses a file that is not CSV or lacks a required column', () => {
    expect(() => parse('channel,address,status\nemail,"a@x.io,subscribed\n')).toThrow(CsvImportError);
    expect(() => parse('address,status\na@x.io,subscribed\n')).toThrow(/lacks channel/);
    expect(parse('')).toEqual([]);
  });
});

describe('csvLine', () => {
  it('quotes only what must be quoted', () => {
    expect(csvLine(['email', 'a@x.io', null, 'x,y', 'say "hi"', 'two\nlines'])).toBe(
      'email,a@x.io,,"x,y","say ""hi""","two\nlines"\r\n',
    );
  });
});
