/**
 * @module Label selectors as the API server parses them: `a=b`, `a==b`, `a!=b`, `a`, `!a`, `a in (x,y)`,
 * `a notin (x,y)`, comma-separated terms all of which must match.
 */

type Term = (labels: Record<string, string>) => boolean;

/**
 * @param text - the `labelSelector` query parameter.
 * @returns a predicate over an object's labels.
 * @throws SyntaxError naming the term it cannot parse (the server answers 400 with it).
 */
export function parseSelector(text: string): (labels: Record<string, string> | null | undefined) => boolean {
  const terms: Term[] = [];
  // Split on commas outside parentheses.
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === ',' && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  for (const raw of parts) {
    const part = raw.trim();
    if (part === '') continue;
    let m: RegExpMatchArray | null;
    if ((m = part.match(/^([\w./-]+)\s+(in|notin)\s+\(([^)]*)\)$/)) !== null) {
      const [, key, op, list] = m as unknown as [string, string, string, string];
      const values = new Set(list.split(',').map((v) => v.trim()));
      terms.push(
        op === 'in'
          ? (l) => Object.hasOwn(l, key) && values.has(l[key]!)
          : (l) => !Object.hasOwn(l, key) || !values.has(l[key]!),
      );
    } else if ((m = part.match(/^([\w./-]+)\s*(==|=|!=)\s*([\w.-]*)$/)) !== null) {
      const [, key, op, value] = m as unknown as [string, string, string, string];
      terms.push(op === '!=' ? (l) => l[key] !== value : (l) => Object.hasOwn(l, key) && l[key] === value);
    } else if ((m = part.match(/^!([\w./-]+)$/)) !== null) {
      const key = m[1]!;
      terms.push((l) => !Object.hasOwn(l, key));
    } else if ((m = part.match(/^([\w./-]+)$/)) !== null) {
      const key = m[1]!;
      terms.push((l) => Object.hasOwn(l, key));
    } else {
      throw new SyntaxError(`unable to parse requirement: ${JSON.stringify(part)}`);
    }
  }
  return (labels) => {
    const l = labels ?? {};
    return terms.every((t) => t(l));
  };
}
