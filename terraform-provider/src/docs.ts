/**
 * Registry-format docs (`docs/index.md`, `docs/resources/<name>.md`, `docs/data-sources/<name>.md`)
 * from the schemas, with the examples of `examples/` (the layout of HashiCorp's tfplugindocs:
 * `examples/provider/provider.tf`, `examples/resources/<name>/resource.tf`,
 * `examples/data-sources/<name>/data-source.tf`). Every resource and data source must have one.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ResourceType } from './framework/resource';
import { providerSchema } from './provider-config';
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

const example = (file: string): string => {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new Error(`no example ${file}: every resource and data source has one (terraform-provider/examples)`);
  }
  return `## Example Usage\n\n\`\`\`terraform\n${text.trimEnd()}\n\`\`\`\n\n`;
};

export function resourceDoc(r: Pick<ResourceType, 'name' | 'schema'>, kind: 'Resource' | 'Data Source' = 'Resource', exampleText = ''): string {
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
    `# ${r.name} (${kind})\n\n${r.schema.description}\n\n<!-- generated from the schema by \`npm run docs\`; do not edit -->\n\n${exampleText}## Schema\n\n` +
    section('Required', (a) => role(a) === 'Required') +
    section('Optional', (a) => role(a) === 'Optional') +
    section('Read-Only', (a) => role(a) === 'Read-Only') +
    blocks +
    (kind === 'Resource' ? `## Import\n\n\`\`\`sh\nterraform import ${r.name}.example <id>\n\`\`\`\n` : '')
  );
}

/** The provider's page: its configuration, the example, and the list of what it manages. */
function providerDoc(examples: string): string {
  const args = Object.entries(providerSchema.attributes)
    .map(([n, a]) => line(n, a))
    .join('\n');
  const list = (title: string, dir: string, names: string[]) => `### ${title}\n\n${names.map((n) => `- [\`${n}\`](${dir}/${n.replace(/^haaas_/, '')}.md)`).join('\n')}\n\n`;
  return (
    `---\npage_title: "haaas Provider"\nsubcategory: ""\ndescription: |-\n  ${providerSchema.description}\n---\n\n` +
    `# haaas Provider\n\n${providerSchema.description}\n\n` +
    'Every setting also comes from the environment (`HAAAS_URL`, `HAAAS_TOKEN`, the `OS_*` variables of the OpenStack CLI, `OS_CLOUD`). ' +
    'Precedence: `token` in the block, else Keystone settings in the block (`auth_url` or `cloud`), else `HAAAS_TOKEN`, else the `OS_*` variables; ' +
    'a setting of the block beats its variable, which beats the cloud of clouds.yaml.\n\n' +
    `<!-- generated from the schema by \`npm run docs\`; do not edit -->\n\n${example(join(examples, 'provider', 'provider.tf'))}` +
    `## Schema\n\n### Optional\n\n${args}\n\n` +
    '## Resources and data sources\n\n' +
    list('Resources', 'resources', resourceTypes.map((r) => r.name)) +
    list('Data sources', 'data-sources', dataSourceTypes.map((d) => d.name)).trimEnd() +
    '\n'
  );
}

/** Every doc page: `index.md`, `resources/<name>.md` and `data-sources/<name>.md` (the name without `haaas_`), with the examples of `examples`. */
export function docFiles(examples: string): { path: string; text: string }[] {
  const base = (name: string) => name.replace(/^haaas_/, '');
  return [
    { path: 'index.md', text: providerDoc(examples) },
    ...resourceTypes.map((r) => ({ path: `resources/${base(r.name)}.md`, text: resourceDoc(r, 'Resource', example(join(examples, 'resources', base(r.name), 'resource.tf'))) })),
    ...dataSourceTypes.map((d) => ({ path: `data-sources/${base(d.name)}.md`, text: resourceDoc(d, 'Data Source', example(join(examples, 'data-sources', base(d.name), 'data-source.tf'))) })),
  ];
}
