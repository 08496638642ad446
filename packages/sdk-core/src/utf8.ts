// NOTE: the core compiles without DOM or Node typings; TextEncoder is global in both.
declare const TextEncoder: new () => { encode(text: string): Uint8Array };

/**
 * Bytes of `text` once UTF-8 encoded (batch limits are in bytes; strings are UTF-16).
 *
 * @example utf8Length('é') // 2
 */
export const utf8Length = (text: string): number => new TextEncoder().encode(text).length;
