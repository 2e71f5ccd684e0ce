import { OutputOptionError, renderList, renderShow, type OutputOptions } from './output';

const o: OutputOptions = { format: 'table', columns: [], sortColumns: [], noindent: false, maxWidth: 0, printEmpty: false, prefix: '' };
const headers = ['ID', 'Name', 'Nodes'];
const rows = [
  ['b', 'west', 2],
  ['a', 'east', 10],
];

describe('renderList (cliff shapes)', () => {
  it('table: prettytable rules, no empty table unless --print-empty', () => {
    expect(renderList(headers, rows, o)).toBe(['+----+------+-------+', '| ID | Name | Nodes |', '+----+------+-------+', '| b  | west | 2     |', '| a  | east | 10    |', '+----+------+-------+', ''].join('\n'));
    expect(renderList(headers, [], o)).toBe('');
    expect(renderList(headers, [], { ...o, printEmpty: true })).toContain('| ID | Name | Nodes |');
  });
  it('json keyed by column names, --noindent, -c order, --sort-column (numbers as numbers)', () => {
    expect(JSON.parse(renderList(headers, rows, { ...o, format: 'json' }))).toEqual([{ ID: 'b', Name: 'west', Nodes: 2 }, { ID: 'a', Name: 'east', Nodes: 10 }]);
    expect(renderList(headers, rows, { ...o, format: 'json', noindent: true, columns: ['Nodes', 'ID'], sortColumns: ['Nodes'] })).toBe('[{"Nodes":2,"ID":"b"},{"Nodes":10,"ID":"a"}]\n');
  });
  it('yaml, value and csv (strings quoted, numbers not)', () => {
    expect(renderList(headers, rows, { ...o, format: 'yaml', columns: ['ID'] })).toBe('- ID: b\n- ID: a\n');
    expect(renderList(headers, rows, { ...o, format: 'value', sortColumns: ['ID'] })).toBe('a east 10\nb west 2\n');
    expect(renderList(headers, [['x', 'say "hi"', 1]], { ...o, format: 'csv' })).toBe('"ID","Name","Nodes"\n"x","say ""hi""",1\n');
    expect(renderList(headers, [], { ...o, format: 'json' })).toBe('[]\n');
  });
  it('refuses an unknown format and columns of which none is known', () => {
    expect(() => renderList(headers, rows, { ...o, format: 'shell' })).toThrow(OutputOptionError);
    expect(() => renderList(headers, rows, { ...o, columns: ['Nope'] })).toThrow(/no recognized column names in 'Nope'/);
  });
  it('--max-width wraps the widest column', () => {
    const text = renderList(['ID', 'Message'], [['1', 'a long message that does not fit']], { ...o, maxWidth: 24 });
    for (const line of text.trimEnd().split('\n')) expect(line.length).toBeLessThanOrEqual(24);
  });
});

describe('renderShow', () => {
  const fields = [['ID', 'c1'], ['Policy', { deadtimeSeconds: 30 }], ['Description', null]] as const;
  it('table Field/Value, objects as JSON', () => {
    expect(renderShow(fields, o)).toContain('| Policy      | {"deadtimeSeconds":30} |');
  });
  it('shell with --prefix, quotes escaped; json keeps objects', () => {
    expect(renderShow([['Name', 'a"b$']], { ...o, format: 'shell', prefix: 'x_' })).toBe('x_name="a\\"b\\$"\n');
    expect(JSON.parse(renderShow(fields, { ...o, format: 'json' }))).toEqual({ ID: 'c1', Policy: { deadtimeSeconds: 30 }, Description: null });
    expect(() => renderShow(fields, { ...o, format: 'csv' })).toThrow(/invalid format "csv"/);
  });
});
