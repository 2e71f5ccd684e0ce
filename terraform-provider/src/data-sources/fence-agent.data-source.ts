/** data haaas_fence_agent: a fence agent's parameters, from its metadata (what `options` may hold). */
import type { DataSourceType } from '../framework/data-source';
import { str } from '../framework/fields';

export const fenceAgentDataSource: DataSourceType = {
  name: 'haaas_fence_agent',
  fieldNames: { notFound: { FenceAgent: 'name' } },
  schema: {
    version: 0,
    description: "A fence agent (`fence_ipmilan`, `builtin:libvirt`, ...) and its parameters from its metadata: the options a `haaas_fencing_device` may set.",
    attributes: {
      name: { type: 'string', required: true, description: 'The agent.' },
      id: { type: 'string', computed: true, description: 'The agent name.' },
      description: { type: 'string', computed: true, description: 'Its short description.' },
      builtin: { type: 'bool', computed: true, description: 'Built into HAaaS (not a fence-agents program).' },
      actions: { type: { list: 'string' }, computed: true, description: 'The actions it supports.' },
      parameters: {
        type: { list: { object: { name: 'string', type: 'string', description: 'string', required: 'bool', secret: 'bool', deprecated: 'bool', default: 'string', choices: { list: 'string' } } } },
        computed: true,
        description: 'Its parameters (`secret` ones belong in `secret_options`).',
      },
    },
  },
  async read(api, config) {
    const a = await api.getFenceAgent(str(config, 'name'));
    return {
      name: a.name,
      id: a.name,
      description: a.shortdesc,
      builtin: a.builtin,
      actions: a.actions,
      parameters: a.parameters.map((p) => ({ name: p.name, type: p.type, description: p.description, required: p.required, secret: p.secret, deprecated: p.deprecated, default: p.default ?? null, choices: p.choices })),
    };
  },
};
