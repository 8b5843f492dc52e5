import { describe, expect, it } from 'vitest';
import { decodeForm } from './decode-form.ts';

describe('decodeForm', () => {
  it('nests bracketed keys into objects', () => {
    expect(decodeForm('amount=100&metadata[invoice_id]=in_1&metadata[host]=acct_1&created[gte]=5')).toEqual({
      amount: '100',
      metadata: { invoice_id: 'in_1', host: 'acct_1' },
      created: { gte: '5' },
    });
  });

  it('reads `[]` and indexed keys as lists, in index order, without gaps', () => {
    expect(decodeForm('expand[]=a&expand[]=b')).toEqual({ expand: ['a', 'b'] });
    expect(decodeForm('types[1]=b&types[0]=a&types[7]=c')).toEqual({ types: ['a', 'b', 'c'] });
    expect(decodeForm('items[0][price]=p_1&items[1][price]=p_2')).toEqual({ items: [{ price: 'p_1' }, { price: 'p_2' }] });
  });

  it('decodes percent-encoded brackets and values the way the SDK sends them', () => {
    expect(decodeForm('metadata%5Bnote%5D=a%20b%26c&description=x+y')).toEqual({ metadata: { note: 'a b&c' }, description: 'x y' });
  });

  it('keeps malformed keys literally and drops prototype keys', () => {
    expect(decodeForm('a[b=1&__proto__[x]=1&c[constructor]=2')).toEqual({ 'a[b': '1' });
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });

  it('keeps a huge index as an object key instead of allocating a list', () => {
    expect(decodeForm('a[99999999]=x')).toEqual({ a: { '99999999': 'x' } });
  });
});
