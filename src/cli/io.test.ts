import { describe, expect, it } from 'vitest';
import { styleFor, terminalLine, type Io } from './io.ts';

const io = (color: boolean): Io => ({ out: () => undefined, err: () => undefined, color });

describe('colour', () => {
  it.each([
    ['a terminal without --no-color', true, true, true],
    ['--no-color on a terminal', true, false, false],
    ['not a terminal (or NO_COLOR)', false, true, false],
  ])('%s', (_name, terminal, flag, coloured) => {
    const s = styleFor(io(terminal), { color: flag });
    expect(s.bad('FAIL') !== 'FAIL').toBe(coloured);
    if (coloured) expect(terminalLine(s.bad('FAIL'))).toBe('\u001b[31mFAIL\u001b[39m');
  });

  it('escapes a hostile string inside a coloured line, keeping only our colour', () => {
    const s = styleFor(io(true), { color: true });
    const line = terminalLine(`${s.ok('OK')}: evil\u001b[2K\rOK: bundle verified\u202E`);
    expect(line.startsWith('\u001b[32mOK\u001b[39m')).toBe(true);
    expect(line).toContain('\\u001b[2K\\u000dOK: bundle verified\\u202e');
    expect(line.match(/\u001b/g)).toHaveLength(2);
  });
});
