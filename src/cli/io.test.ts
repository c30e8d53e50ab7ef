import { describe, expect, it } from 'vitest';
import { styleFor, type Io } from './io.ts';

const io = (color: boolean): Io => ({ out: () => undefined, err: () => undefined, color });

describe('colour', () => {
  it.each([
    ['a terminal without --no-color', true, true, true],
    ['--no-color on a terminal', true, false, false],
    ['not a terminal (or NO_COLOR)', false, true, false],
  ])('%s', (_name, terminal, flag, coloured) => {
    const s = styleFor(io(terminal), { color: flag });
    expect(s.bad('FAIL') !== 'FAIL').toBe(coloured);
    if (coloured) expect(s.bad('FAIL')).toBe('\u001b[31mFAIL\u001b[39m');
  });
});
