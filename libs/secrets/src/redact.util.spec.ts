import { redact } from './redact.util';

describe('redact', () => {
  it('masks every occurrence of every secret', () => {
    expect(redact('user=admin pass=hunter2 again hunter2', ['hunter2'])).toBe('user=admin pass=*** again ***');
    expect(redact('a=s1 b=s2', ['s1', 's2'])).toBe('a=*** b=***');
  });

  it('masks a secret that contains another one whole', () => {
    expect(redact('token abcdef and abc', ['abc', 'abcdef'])).toBe('token *** and ***');
  });

  it('treats secrets literally, not as patterns', () => {
    expect(redact('p=a.b*c a-b-c', ['a.b*c'])).toBe('p=*** a-b-c');
    expect(redact('x $& y', ['$&'])).toBe('x *** y');
  });

  it('masks one-character secrets and ignores empty ones', () => {
    expect(redact('abc', ['b', ''])).toBe('a***c');
    expect(redact('abc', [''])).toBe('abc');
    expect(redact('abc', [])).toBe('abc');
  });

  it('never matches inside a mask it wrote', () => {
    expect(redact('pw=secret', ['secret', '*'])).toBe('pw=***');
  });
});
