/** Registry-format docs (`docs/resources/<name>.md`) from the resources' schemas. */
import type { ResourceType } from './framework/resource';
import { resourceTypes } from './resources';
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

const kind = (a: AttributeSpec): string => (a.required ? 'Required' : a.optional ? 'Optional' : 'Read-Only');
const line = (name: string, a: AttributeSpec): string =>
  `- \`${name}\` (${typeName(a.type)}${a.sensitive ? ', Sensitive' : ''}${a.forceNew ? ', Forces replacement' : ''}) ${a.description}`;

export function resourceDoc(r: ResourceType): string {
  const attrs = Object.entries(r.schema.attributes);
  const section = (title: string, pick: (a: AttributeSpec) => boolean): string => {
    const rows = attrs.filter(([, a]) => pick(a)).map(([n, a]) => line(n, a));
    return rows.length ? `### ${title}\n\n${rows.join('\n')}\n\n` : '';
  };
  const blocks = Object.entries(r.schema.blocks ?? {})
    .map(([n, b]) => `### Nested block \`${n}\`\n\n${b.description}\n\n${Object.entries(b.attributes).map(([an, a]) => line(an, a)).join('\n')}\n\n`)
    .join('');
  return (
    `---\npage_title: "${r.name} Resource - haaas"\nsubcategory: ""\ndescription: |-\n  ${r.schema.description}\n---\n\n` +
    `# ${r.name} (Resource)\n\n${r.schema.description}\n\n<!-- generated from the schema by \`npm run docs\`; do not edit -->\n\n## Schema\n\n` +
    section('Required', (a) => kind(a) === 'Required') +
    section('Optional', (a) => kind(a) === 'Optional') +
    section('Read-Only', (a) => kind(a) === 'Read-Only') +
    blocks +
    `## Import\n\n\`\`\`sh\nterraform import ${r.name}.example <id>\n\`\`\`\n`
  );
}

/** Every doc page: `resources/<name>.md` (the name without `haaas_`). */
export function docFiles(): { path: string; text: string }[] {
  return resourceTypes.map((r) => ({ path: `resources/${r.name.replace(/^haaas_/, '')}.md`, text: resourceDoc(r) }));
}
