import { describe, expect, it } from 'vitest';
import { ELLIPSIS, displayText, sanitizeText, truncate } from '../../src/render/text.ts';

describe('sanitizeText', () => {
  it('removes ANSI colour, cursor and OSC sequences', () => {
    expect(sanitizeText('\u001b[31mred\u001b[0m \u001b[2J\u001b[1;1Hx \u001b]0;title\u0007y \u001b]8;;http://e\u001b\\z')).toBe('red x y z');
  });

  it('removes the one-byte C1 CSI and other C0/C1 controls', () => {
    expect(sanitizeText('a\u009b31mb\u0000c\u0007d\u007fe\u0085f')).toBe('abcde f');
  });

  it('removes bidi embeddings, overrides, isolates and marks', () => {
    const bidi = '\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c';
    expect(sanitizeText(`admin${bidi}txt.exe`)).toBe('admintxt.exe');
  });

  it('turns line breaks and tabs into one space on single-line fields', () => {
    expect(sanitizeText('a\r\n\tb\u2028c')).toBe('a b c');
  });

  it('keeps newlines and tabs in multiline text and normalises CR', () => {
    expect(sanitizeText('$ kubectl get ns\r\nNAME\tSTATUS\rdone\u0001', { multiline: true })).toBe('$ kubectl get ns\nNAME\tSTATUS\ndone');
  });

  it('leaves ordinary Unicode alone', () => {
    expect(sanitizeText('Zürich — 東京 🚀')).toBe('Zürich — 東京 🚀');
  });
});

describe('truncate', () => {
  it('returns short strings unchanged', () => {
    expect(truncate('abc', 3)).toBe('abc');
  });

  it('cuts to max characters including the ellipsis', () => {
    expect(truncate('abcdef', 4)).toBe(`abc${ELLIPSIS}`);
    expect(truncate('abcdef', 4)).toHaveLength(4);
  });

  it('never splits a surrogate pair', () => {
    const out = truncate('ab🚀cd', 4);
    expect(out).toBe(`ab${ELLIPSIS}`);
  });
});

describe('displayText', () => {
  it('bounds a megabyte string cheaply and marks the cut', () => {
    const out = displayText('x'.repeat(1024 * 1024), 200);
    expect(out).toHaveLength(200);
    expect(out.endsWith(ELLIPSIS)).toBe(true);
  });

  it('marks the cut even when escapes removed from the prefix leave it short', () => {
    const out = displayText('\u001b[31m'.repeat(10_000) + 'tail', 10);
    expect(out.endsWith(ELLIPSIS)).toBe(true);
    expect(out).not.toContain('\u001b');
  });

  it('treats undefined as empty', () => {
    expect(displayText(undefined, 10)).toBe('');
  });
});
