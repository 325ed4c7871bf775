/**
 * findDuplicateFields scans JSON text for object keys given twice (JSON.parse silently keeps the
 * last one), returning their paths like upstream strict decoding (`metadata.name`).
 *
 * upstream: sigs.k8s.io/json strict decoding (`duplicate field "x"`).
 */
export function findDuplicateFields(text: string): string[] {
  const out: string[] = [];
  // Stack of containers: objects hold their seen keys and the key being read; arrays their index.
  const stack: Array<{ kind: 'o'; seen: Set<string>; key: string | undefined; path: string } | { kind: 'a'; index: number; path: string }> = [];
  let i = 0;
  const n = text.length;
  const childPath = (): string => {
    const top = stack[stack.length - 1];
    if (!top) return '';
    if (top.kind === 'o') return top.path === '' ? (top.key ?? '') : `${top.path}.${top.key ?? ''}`;
    return `${top.path}[${top.index}]`;
  };
  while (i < n) {
    const ch = text[i]!;
    if (ch === '"') {
      // Read a string.
      let j = i + 1;
      while (j < n && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      const top = stack[stack.length - 1];
      // A string is a key when the next non-space character is ':'.
      let k = j + 1;
      while (k < n && (text[k] === ' ' || text[k] === '\n' || text[k] === '\r' || text[k] === '\t')) k++;
      if (top?.kind === 'o' && text[k] === ':') {
        let key: string;
        try {
          key = JSON.parse(text.slice(i, j + 1)) as string;
        } catch {
          return out;
        }
        const p = top.path === '' ? key : `${top.path}.${key}`;
        if (top.seen.has(key)) out.push(p);
        top.seen.add(key);
        top.key = key;
        i = k + 1;
        continue;
      }
      i = j + 1;
      continue;
    }
    if (ch === '{') stack.push({ kind: 'o', seen: new Set(), key: undefined, path: childPath() });
    else if (ch === '[') stack.push({ kind: 'a', index: 0, path: childPath() });
    else if (ch === '}' || ch === ']') stack.pop();
    else if (ch === ',') {
      const top = stack[stack.length - 1];
      if (top?.kind === 'a') top.index++;
    }
    i++;
  }
  return out;
}
