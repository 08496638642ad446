import { describe, expect, it } from 'vitest';
import { DEFAULT_IDENTITY_CONFIG, identityConfigSchema, limitOf, priorityOf } from './config.js';

describe('identityConfigSchema', () => {
  it('gives the default-v1 policy for an empty object', () => {
    expect(DEFAULT_IDENTITY_CONFIG.limits).toEqual({ userId: 1, email: 5, phone: 5, deviceId: 5, anonymousId: 50 });
    expect(DEFAULT_IDENTITY_CONFIG.contestedMode).toBe('quarantine');
    expect(DEFAULT_IDENTITY_CONFIG.maxMergesPerProfile).toBe(100);
    expect(limitOf(DEFAULT_IDENTITY_CONFIG, 'shopify')).toBe(5);
    expect(priorityOf(DEFAULT_IDENTITY_CONFIG, 'shopify')).toBe(4);
    expect(DEFAULT_IDENTITY_CONFIG.blockedValues.all).toContain('[object object]');
  });

  it('merges limits and extends blocked values instead of replacing them', () => {
    const config = identityConfigSchema.parse({
      limits: { anonymousId: 20, crm: 1 },
      blockedValues: { deviceId: ['Kiosk-7'], all: ['nobody'] },
      contestedMode: 'first-owner',
      maxMergesPerProfile: 3,
    });
    expect(config.limits).toMatchObject({ userId: 1, anonymousId: 20, crm: 1 });
    expect(config.blockedValues.deviceId).toEqual(['kiosk-7']);
    expect(config.blockedValues.all).toContain('null');
    expect(config.blockedValues.all).toContain('nobody');
    expect(config.contestedMode).toBe('first-owner');
    expect(config.maxMergesPerProfile).toBe(3);
  });

  it.each([
    [{ limits: { anonymousId: 0 } }, ['limits', 'anonymousId']],
    [{ limits: { userid: 1 } }, ['limits', 'userid']],
    [{ limits: { CRM: 1 } }, ['limits', 'CRM']],
    [{ blockedValues: { 'a:b': ['x'] } }, ['blockedValues', 'a:b']],
    [{ blockedPatterns: { email: ['('] } }, ['blockedPatterns', 'email', 0]],
    [{ contestedMode: 'merge' }, ['contestedMode']],
    [{ phone: { minDigits: 9, maxDigits: 8 } }, ['phone', 'minDigits']],
    [{ maxMergesPerProfile: 1.5 }, ['maxMergesPerProfile']],
    [{ limit: {} }, []],
  ])('rejects %j naming the field', (input, path) => {
    const result = identityConfigSchema.safeParse(input);
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path).toEqual(path);
  });
});
