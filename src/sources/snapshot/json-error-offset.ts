// Node's JSON.parse does not always say where it failed ("Unexpected token '}'"), and a snapshot
// error must name the line. This scanner validates JSON without recursion and returns the offset
// of the first character that makes it invalid (text.length for a premature end).
export function jsonErrorOffset(text: string): number {
  let i = 0;
  const n = text.length;
  // Stack of open containers: '{' expecting key, ':' expecting value after key, '[' expecting value.
  const stack: ('object' | 'array')[] = [];
  type Want = 'value' | 'key' | 'colon' | 'comma-or-end' | 'done';
  let want: Want = 'value';
  const ws = (): void => {
    while (i < n && (text[i] === ' ' || text[i] === '\t' || text[i] === '\n' || text[i] === '\r')) i++;
  };
  const afterValue = (): Want => (stack.length === 0 ? 'done' : 'comma-or-end');
  const readString = (): boolean => {
    i++;
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === 0x22) {
        i++;
        return true;
      }
      if (c < 0x20) return false;
      if (c === 0x5c) {
        const e = text[i + 1];
        if (e === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) return false;
          i += 6;
          continue;
        }
        if (e === undefined || !'"\\/bfnrt'.includes(e)) return false;
        i += 2;
        continue;
      }
      i++;
    }
    return false;
  };
  while (true) {
    ws();
    if (want === 'done') return i < n ? i : -1;
    if (i >= n) return n;
    const c = text[i];
    if (want === 'value') {
      if (c === '{') {
        stack.push('object');
        i++;
        ws();
        if (text[i] === '}') {
          stack.pop();
          i++;
          want = afterValue();
        } else want = 'key';
      } else if (c === '[') {
        stack.push('array');
        i++;
        ws();
        if (text[i] === ']') {
          stack.pop();
          i++;
          want = afterValue();
        } else want = 'value';
      } else if (c === '"') {
        if (!readString()) return i;
        want = afterValue();
      } else {
        const m = /^(-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?|true|false|null)/.exec(text.slice(i, i + 400));
        if (!m) return i;
        i += m[0].length;
        want = afterValue();
      }
    } else if (want === 'key') {
      if (c !== '"' || !readString()) return i;
      want = 'colon';
    } else if (want === 'colon') {
      if (c !== ':') return i;
      i++;
      want = 'value';
    } else {
      const top = stack[stack.length - 1];
      if (c === ',') {
        i++;
        want = top === 'object' ? 'key' : 'value';
      } else if ((c === '}' && top === 'object') || (c === ']' && top === 'array')) {
        stack.pop();
        i++;
        want = afterValue();
      } else return i;
    }
  }
}
