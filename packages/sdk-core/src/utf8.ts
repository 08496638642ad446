/**
 * Bytes of `text` once UTF-8 encoded, without allocating (batch limits are in
 * bytes; the string is UTF-16).
 *
 * @example utf8Length('é') // 2
 */
export function utf8Length(text: string): number {
  let bytes = text.length;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    // NOTE: each half of a surrogate pair counts 2, so the pair makes 4.
    if (code >= 0x80) bytes += code < 0x800 || (code >= 0xd800 && code <= 0xdfff) ? 1 : 2;
  }
  return bytes;
}
