/** What a GraphQL document asks for. */
export type CallKind = 'query' | 'mutation' | 'subscription';

/**
 * The kind and name of the first operation of a document. A small scan instead of `graphql`'s
 * parser, which the SDK does not ship: it skips comments, strings and fragments at the top level.
 */
export function describeOperation(document: string): { kind: CallKind; name: string | undefined } {
  let depth = 0;
  for (let i = 0; i < document.length; i++) {
    const c = document[i];
    if (c === '#') {
      while (i < document.length && document[i] !== '\n') i++;
    } else if (c === '"') {
      const block = document.startsWith('"""', i);
      const end = block ? document.indexOf('"""', i + 3) : findStringEnd(document, i + 1);
      i = end < 0 ? document.length : end + (block ? 2 : 0);
    } else if (c === '{' || c === '(' || c === '[') {
      // a `{` at the top level is the shorthand form of a query
      if (depth === 0 && c === '{') return { kind: 'query', name: undefined };
      depth++;
    } else if (c === '}' || c === ')' || c === ']') {
      depth--;
    } else if (depth === 0 && /[A-Za-z_]/.test(c ?? '')) {
      const word = /^[A-Za-z_][A-Za-z0-9_]*/.exec(document.slice(i))?.[0] ?? '';
      if (word === 'query' || word === 'mutation' || word === 'subscription') {
        const name = /^\s*([A-Za-z_][A-Za-z0-9_]*)/.exec(document.slice(i + word.length))?.[1];
        return { kind: word, name };
      }
      if (word === 'fragment') {
        // skip the whole fragment: to the end of its selection set
        const open = document.indexOf('{', i);
        i = open < 0 ? document.length : matchingBrace(document, open);
        continue;
      }
      i += word.length - 1;
    }
  }
  return { kind: 'query', name: undefined };
}

function findStringEnd(s: string, from: number): number {
  for (let i = from; i < s.length; i++) {
    if (s[i] === '\\') i++;
    else if (s[i] === '"') return i;
  }
  return -1;
}

function matchingBrace(s: string, open: number): number {
  let depth = 0;
  for (let i = open; i < s.length; i++) {
    if (s[i] === '{') depth++;
    else if (s[i] === '}' && --depth === 0) return i;
  }
  return s.length;
}
