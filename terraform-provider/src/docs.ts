/** Registry-format docs (`docs/resources/<name>.md`, `docs/data-sources/<name>.md`) from the schemas. */
import type { ResourceType } from './framework/resource';
import { resourceTypes } from './resources';
import { dataSourceTypes } from './data-sources';
import type { AttributeSpec } from './framework/schema';
import type { TfType } from './protocol/values';

/** A type as the registry's docs write it: `String`, `Map of String`, `List of Object`. */
export function typeName(t: TfType): string {
  if (t === 'string') return 'String';
  if (t === 'number') return 'Number';
  if (t === 'bool') return 'Boolean';
  if ('list' in t) return `List of ${typeName(t.list)}`;
  if ('set' in t) return `Set of ${typeName(t.set)}`;
  if ('map' in t) return `Map of ${typeName(t.map)}`;
  return 'Object';
}

const role = (a: AttributeSpec): string => (a.required ? 'Required' : a.optional ? 'Optional' : 'Read-Only');
const line = (name: string, a: AttributeSpec): string =>
  `- \`${name}\` (${typeName(a.type)}${a.sensitive ? ', Sensitive' : ''}${a.forceNew ? ', Forces replacement' : ''}) ${a.description}`;

export function resourceDoc(r: Pick<ResourceType, 'name' | 'schema'>, kind: 'Resource' | 'Data Source' = 'Resource'): string {
  const attrs = Object.entries(r.schema.attributes);
  const section = (title: string, pick: (a: AttributeSpec) => boolean): string => {
    const rows = attrs.filter(([, a]) => pick(a)).map(([n, a]) => line(n, a));
    return rows.length ? `### ${title}\n\n${rows.join('\n')}\n\n` : '';
  };
  const blocks = Object.entries(r.schema.blocks ?? {})
    .map(([n, b]) => `### Nested block \`${n}\`\n\n${b.description}\n\n${Object.entries(b.attributes).map(([an, a]) => line(an, a)).join('\n')}\n\n`)
    .join('');
  return (
    `---\npage_title: "${r.name} ${kind} - haaas"\nsubcategory: ""\ndescription: |-\n  ${r.schema.description}\n---\n\n` +
    `# ${r.name} (${kind})\n\n${r.schema.description}\n\n<!-- generated from the schema by \`npm run docs\`; do not edit -->\n\n## Schema\n\n` +
    section('Required', (a) => role(a) === 'Required') +
    section('Optional', (a) => role(a) === 'Optional') +
    section('Read-Only', (a) => role(a) === 'Read-Only') +
    blocks +
    (kind === 'Resource' ? `## Import\n\n\`\`\`sh\nterraform import ${r.name}.example <id>\n\`\`\`\n` : '')
  );
}

/** Every doc page: `resources/<name>.md` and `data-sources/<name>.md` (the name without `haaas_`). */
export function docFiles(): { path: string; text: string }[] {
  const file = (name: string) => `${name.replace(/^haaas_/, '')}.md`;
  return [
    ...resourceTypes.map((r) => ({ path: `resources/${file(r.name)}`, text: resourceDoc(r) })),
    ...dataSourceTypes.map((d) => ({ path: `data-sources/${file(d.name)}`, text: resourceDoc(d, 'Data Source') })),
  ];
}
