import { describe, expect, it } from 'vitest';
import { maskKey } from './log.js';

describe('maskKey', () => {
  it.each([
    ['ak_Zx8uQ1n2b3v4c5x6z7l8k9j0h9f3c', 'ak_…9f3c'],
    ['wk_Zx8uQ1n2b3v4c5x6z7l8k9j0hWXYZ', 'wk_…WXYZ'],
    ['process-test-write-key-0001', '…0001'],
    ['my_long_configured_key_abcd', 'my_…abcd'],
    ['configured_key_abcdefgh', '…efgh'],
  ])('%s -> %s', (key, masked) => {
    expect(maskKey(key)).toBe(masked);
  });
});
