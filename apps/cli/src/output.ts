/**
 * Output as cliff (python-openstackclient) prints it: lists as table, json, yaml, value or csv;
 * single objects as table, json, yaml, value or shell. Keys of json/yaml are the column names
 * (`ID`, `Name`, ...), as `openstack ... -f json` prints them: scripts rely on those.
 */
import Table from 'cli-table3';
import { stringify as toYaml } from 'yaml';

export const LIST_FORMATS = ['table', 'json', 'yaml', 'value', 'csv'] as const;
export const SHOW_FORMATS = ['table', 'json', 'yaml', 'value', 'shell'] as const;
export type ListFormat = (typeof LIST_FORMATS)[number];
export type ShowFormat = (typeof SHOW_FORMATS)[number];

/** A cell: scalars print as they are; arrays and objects as JSON in table/value/csv, as themselves in json/yaml. */
export type Cell = string | number | boolean | null | readonly unknown[] | { readonly [key: string]: unknown };

export interface OutputOptions {
  readonly format: string;
  /** -c: only these columns, in this order (unknown names are ignored; none known is an error). */
  readonly columns: readonly string[];
  readonly sortColumns: readonly string[];
  readonly noindent: boolean;
  /** Table width limit (0: none); --fit-width sets it to the terminal's. */
  readonly maxWidth: number;
  readonly printEmpty: boolean;
  /** shell: prefix of the variable names. */
  readonly prefix: string;
}

/** A usage problem in the output options (exit code 2). */
export class OutputOptionError extends Error {}

const ASCII = {
  top: '-', 'top-mid': '+', 'top-left': '+', 'top-right': '+',
  bottom: '-', 'bottom-mid': '+', 'bottom-left': '+', 'bottom-right': '+',
  left: '|', 'left-mid': '+', mid: '-', 'mid-mid': '+', right: '|', 'right-mid': '+', middle: '|',
};

/** Rows of a list command, as text (ending with a newline when not empty). */
export function renderList(headers: readonly string[], rows: readonly (readonly Cell[])[], o: OutputOptions): string {
  if (!(LIST_FORMATS as readonly string[]).includes(o.format)) throw new OutputOptionError(`invalid format "${o.format}" (choose from ${LIST_FORMATS.join(', ')})`);
  const picked = pickColumns(headers, o.columns);
  let data = rows.map((row) => picked.map((i) => row[i] ?? null));
  const names = picked.map((i) => headers[i] as string);
  data = sortRows(names, data, o.sortColumns);
  switch (o.format as ListFormat) {
    case 'json':
      return `${JSON.stringify(data.map((row) => Object.fromEntries(names.map((n, i) => [n, row[i]]))), null, o.noindent ? undefined : 2)}\n`;
    case 'yaml':
      return data.length === 0 ? '[]\n' : toYaml(data.map((row) => Object.fromEntries(names.map((n, i) => [n, row[i]]))));
    case 'value':
      return data.map((row) => `${row.map(plain).join(' ')}\n`).join('');
    case 'csv':
      return [names, ...data].map((row) => `${row.map(csvCell).join(',')}\n`).join('');
    case 'table':
      if (data.length === 0 && !o.printEmpty) return '';
      return `${table(names, data.map((row) => row.map(plain)), o.maxWidth)}\n`;
  }
}

/** One object (field, value pairs) as text. */
export function renderShow(fields: readonly (readonly [string, Cell])[], o: OutputOptions): string {
  if (!(SHOW_FORMATS as readonly string[]).includes(o.format)) throw new OutputOptionError(`invalid format "${o.format}" (choose from ${SHOW_FORMATS.join(', ')})`);
  const names = fields.map(([n]) => n);
  const picked = pickColumns(names, o.columns).map((i) => fields[i] as readonly [string, Cell]);
  switch (o.format as ShowFormat) {
    case 'json':
      return `${JSON.stringify(Object.fromEntries(picked), null, o.noindent ? undefined : 2)}\n`;
    case 'yaml':
      return toYaml(Object.fromEntries(picked));
    case 'value':
      return picked.map(([, v]) => `${plain(v)}\n`).join('');
    case 'shell':
      return picked.map(([n, v]) => `${o.prefix}${n.toLowerCase().replace(/[^a-z0-9_]/g, '_')}="${plain(v).replace(/(["\\$`])/g, '\\$1')}"\n`).join('');
    case 'table':
      return `${table(['Field', 'Value'], picked.map(([n, v]) => [n, plain(v)]), o.maxWidth)}\n`;
  }
}

function pickColumns(headers: readonly string[], wanted: readonly string[]): number[] {
  if (wanted.length === 0) return headers.map((_, i) => i);
  const picked = wanted.map((w) => headers.indexOf(w)).filter((i) => i >= 0);
  if (picked.length === 0) throw new OutputOptionError(`no recognized column names in ${wanted.map((w) => `'${w}'`).join(', ')}; known: ${headers.join(', ')}`);
  return picked;
}

function sortRows(names: readonly string[], rows: Cell[][], sortColumns: readonly string[]): Cell[][] {
  const keys = sortColumns.map((c) => names.indexOf(c)).filter((i) => i >= 0);
  if (keys.length === 0) return rows;
  return [...rows].sort((a, b) => {
    for (const k of keys) {
      const x = a[k];
      const y = b[k];
      const c = typeof x === 'number' && typeof y === 'number' ? x - y : plain(x ?? null).localeCompare(plain(y ?? null));
      if (c !== 0) return c;
    }
    return 0;
  });
}

/** A cell as one line of text: '' for null, JSON for arrays and objects. */
export function plain(value: Cell | undefined): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

function csvCell(value: Cell | undefined): string {
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return `"${plain(value ?? null).replace(/"/g, '""')}"`;
}

/** A prettytable-like ASCII table; with a width limit, the widest columns wrap first. */
function table(head: readonly string[], rows: readonly string[][], maxWidth: number): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => longestLine(r[i] ?? ''))) + 2);
  if (maxWidth > 0) shrink(widths, maxWidth - (head.length + 1));
  const t = new Table({ head: [...head], chars: ASCII, style: { head: [], border: [], 'padding-left': 1, 'padding-right': 1 }, colWidths: widths, wordWrap: true, wrapOnWordBoundary: false });
  for (const row of rows) t.push(row);
  // prettytable's shape: rules above and below the header and at the end, none between rows
  // (cell lines all start with '|', so the '+' lines are exactly the rules)
  const lines = t.toString().split('\n');
  const rules = lines.flatMap((l, i) => (l.startsWith('+') ? [i] : []));
  const keep = new Set([rules[0], rules[1], rules[rules.length - 1]]);
  return lines.filter((l, i) => !l.startsWith('+') || keep.has(i)).join('\n');
}

function longestLine(text: string): number {
  return Math.max(...text.split('\n').map((l) => l.length));
}

/** Narrows the widest columns until the sum fits (each keeps at least 6 characters). */
function shrink(widths: number[], budget: number): void {
  let total = widths.reduce((a, b) => a + b, 0);
  while (total > budget) {
    const widest = widths.indexOf(Math.max(...widths));
    if ((widths[widest] ?? 0) <= 6) return;
    widths[widest] = (widths[widest] ?? 0) - 1;
    total--;
  }
}
