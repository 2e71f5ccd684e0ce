import { Injectable } from '@nestjs/common';
import type { FieldProblem } from '@haaas/domain';
import { FenceAgentCatalog as InstalledAgents, validateAgentOptions } from '@haaas/fencing';
import type { OptionProblemCode } from '@haaas/fencing';
import type { FenceAgentCatalog, FenceAgentCheck } from '../fencing/fence-agent.catalog';
import { builtinAgent } from './builtin-agents';

const VALUE_PROBLEMS: ReadonlySet<OptionProblemCode> = new Set(['BAD_TYPE', 'BAD_CHOICE', 'BAD_VALUE']);

/**
 * Validates fencing devices against what the installed agents declare (`fence_X -o metadata`):
 * the agent exists, every option is one of its parameters (aliases and `-`/`_` spellings as the
 * agents accept them), and values fit their content type. Required options are not demanded here:
 * they may come from a node's association (plug) and are checked when the agent runs.
 */
@Injectable()
export class MetadataFenceAgentCatalog implements FenceAgentCatalog {
  constructor(private readonly installed: InstalledAgents) {}

  async check(request: FenceAgentCheck): Promise<readonly FieldProblem[]> {
    const builtin = builtinAgent(request.agent);
    if (builtin) {
      return request.options.flatMap((o) =>
        builtin.parameters.some((p) => p.name === o.key) ? [] : [{ field: `${o.field}`, message: `${builtin.name} has no parameter ${o.key}` }],
      );
    }
    if (!(await this.installed.has(request.agent))) {
      return [{ field: request.agentField, message: `no fence agent ${request.agent} is installed` }];
    }
    const meta = await this.installed.describe(request.agent);
    const given: Record<string, string | undefined> = {};
    for (const o of request.options) given[o.key] = o.secret ? undefined : o.value;
    return validateAgentOptions(meta, given)
      .filter((problem) => problem.code !== 'MISSING_REQUIRED')
      .map((problem) => {
        const keyField = request.options.find((o) => o.key === problem.option)?.field;
        // a value that does not fit points at the value; an unknown or doubled name at the key
        const field = keyField && VALUE_PROBLEMS.has(problem.code) ? keyField.replace(/\.key$/, '.value') : keyField;
        return { field: field ?? request.agentField, message: problem.message };
      });
  }
}
