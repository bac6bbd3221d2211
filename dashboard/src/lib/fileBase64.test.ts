import { describe, expect, it } from 'vitest';
import { fileBase64 } from './fileBase64.js';

describe('fileBase64', () => {
  it('encodes a file larger than one slice exactly as Node does', async () => {
    const bytes = new Uint8Array(100_000).map((_, i) => (i * 7) % 256);
    expect(await fileBase64(new Blob([bytes]))).toBe(Buffer.from(bytes).toString('base64'));
  });
});
