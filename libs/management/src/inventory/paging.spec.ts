import { pageInMemory, pagesByParent } from './paging';

const rows = ['a3', 'a1', 'a2', 'a5', 'a4'].map((id) => ({ id, parent: id === 'a2' || id === 'a4' ? 'p2' : 'p1' }));

describe('pageInMemory', () => {
  it('pages in id order with an exclusive cursor', () => {
    expect(pageInMemory(rows, { first: 2 })).toEqual({ rows: [rows[1], rows[2]], hasNextPage: true });
    expect(pageInMemory(rows, { first: 2, after: 'a2' }).rows.map((r) => r.id)).toEqual(['a3', 'a4']);
    expect(pageInMemory(rows, { first: 2, after: 'a4' })).toEqual({ rows: [rows[3]], hasNextPage: false });
  });
  it('pages backwards for DESC', () => {
    expect(pageInMemory(rows, { first: 2, after: 'a4', direction: 'DESC' }).rows.map((r) => r.id)).toEqual(['a3', 'a2']);
  });
});

describe('pagesByParent', () => {
  it('returns one page per parent in the order asked, empty for parents without rows', () => {
    const pages = pagesByParent(rows, (r) => r.parent, ['p2', 'p3', 'p1'], { first: 2 });
    expect(pages.map((p) => p.rows.map((r) => r.id))).toEqual([['a2', 'a4'], [], ['a1', 'a3']]);
    expect(pages.map((p) => p.hasNextPage)).toEqual([false, false, true]);
  });
});
