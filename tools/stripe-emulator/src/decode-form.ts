/** A decoded form or query value: Stripe's bracketed keys become nested objects and arrays. */
export type FormValue = string | FormValue[] | { [key: string]: FormValue };

/** The decoded parameters of one request. */
export type FormParams = Record<string, FormValue>;

interface Node {
  [key: string]: string | Node;
}

// An index beyond this is kept as an object key, so `a[999999999]=x` cannot allocate a huge array.
const maxArrayIndex = 1_000;
const forbiddenKeys = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * Decodes `application/x-www-form-urlencoded` text (a body or a query string) the way
 * Stripe reads it: `metadata[invoice_id]=in_1` gives `{ metadata: { invoice_id: 'in_1' } }`,
 * `expand[]=a&expand[]=b` and `types[0]=a&types[1]=b` give arrays. A repeated key keeps
 * its last value; a key whose brackets do not close is taken literally.
 */
export function decodeForm(text: string): FormParams {
  const root: Node = {};
  for (const [key, value] of new URLSearchParams(text)) {
    const path = splitKey(key);
    if (path.some((segment) => forbiddenKeys.has(segment))) continue;
    assign(root, path, value);
  }
  const params: FormParams = {};
  for (const [key, child] of Object.entries(root)) params[key] = finish(child);
  return params;
}

function splitKey(key: string): string[] {
  const open = key.indexOf('[');
  if (open <= 0) return [key];
  const segments = [key.slice(0, open)];
  const pattern = /\[([^[\]]*)\]/y;
  pattern.lastIndex = open;
  while (pattern.lastIndex < key.length) {
    const match = pattern.exec(key);
    if (!match) return [key];
    segments.push(match[1] ?? '');
  }
  return segments;
}

function assign(root: Node, path: string[], value: string): void {
  let node = root;
  path.forEach((segment, depth) => {
    // `a[]` appends: the next free position among the keys given so far.
    const key = segment === '' && depth > 0 ? String(Object.keys(node).length) : segment;
    if (depth === path.length - 1) {
      node[key] = value;
      return;
    }
    const existing = node[key];
    if (existing === undefined || typeof existing === 'string') {
      const created: Node = {};
      node[key] = created;
      node = created;
    } else {
      node = existing;
    }
  });
}

function isArrayLike(node: Node): boolean {
  const keys = Object.keys(node);
  return keys.length > 0 && keys.every((key) => /^\d+$/.test(key) && Number(key) <= maxArrayIndex);
}

function finish(node: string | Node): FormValue {
  if (typeof node === 'string') return node;
  if (isArrayLike(node)) {
    // Indexed lists may have gaps (`a[0]=x&a[5]=y`); Stripe reads them as a plain list in index order.
    return Object.keys(node)
      .sort((a, b) => Number(a) - Number(b))
      .map((key) => finish(node[key] ?? ''));
  }
  const out: { [key: string]: FormValue } = {};
  for (const [key, child] of Object.entries(node)) out[key] = finish(child);
  return out;
}
