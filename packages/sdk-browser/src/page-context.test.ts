import { describe, expect, it } from 'vitest';
import { parseCampaign } from './page-context.js';

describe('parseCampaign', () => {
  it.each([
    ['', undefined],
    ['?q=kettle', undefined],
    ['?utm_source=news&utm_medium=email', { source: 'news', medium: 'email' }],
    ['?utm_campaign=spring&utm_term=tea&utm_content=hero', { name: 'spring', term: 'tea', content: 'hero' }],
    ['?utm_source=a%20b&x=1&utm_id=42', { source: 'a b', id: '42' }],
  ])('%j -> %j', (search, expected) => {
    expect(parseCampaign(search)).toEqual(expected);
  });
});
