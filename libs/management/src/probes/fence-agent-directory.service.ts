import { Injectable } from '@nestjs/common';
import { NotFoundError } from '@haaas/domain';
import { FenceAgentCatalog as InstalledAgents } from '@haaas/fencing';
import { BUILTIN_AGENTS, builtinAgent } from './builtin-agents';

export interface FenceAgentParameterView {
  readonly name: string;
  readonly type: string;
  readonly required: boolean;
  readonly default: string | null;
  readonly description: string;
  readonly secret: boolean;
  readonly deprecated: boolean;
  readonly obsoletes: string | null;
  readonly choices: readonly string[];
}

export interface FenceAgentView {
  readonly name: string;
  readonly shortdesc: string;
  readonly builtin: boolean;
  readonly actions: readonly string[];
  readonly parameters: readonly FenceAgentParameterView[];
}

/** The device types a tenant can use: the installed fence agents, described by their own metadata, and the built-in ones. */
@Injectable()
export class FenceAgentDirectoryService {
  constructor(private readonly installed: InstalledAgents) {}

  async names(): Promise<string[]> {
    return [...(await this.installed.listAgents()), ...BUILTIN_AGENTS.map((a) => a.name)];
  }

  async describe(name: string): Promise<FenceAgentView> {
    const builtin = builtinAgent(name);
    if (builtin) {
      return {
        name: builtin.name,
        shortdesc: builtin.shortdesc,
        builtin: true,
        actions: builtin.actions,
        parameters: builtin.parameters.map((p) => ({ ...p, default: null, deprecated: false, obsoletes: null, choices: [] })),
      };
    }
    if (!(await this.installed.has(name))) throw new NotFoundError('Fence agent', name);
    const meta = await this.installed.describe(name);
    return {
      name: meta.name,
      shortdesc: meta.shortdesc,
      builtin: false,
      actions: meta.actions,
      parameters: meta.parameters.map((p) => ({
        name: p.name,
        type: p.type,
        required: p.required,
        default: p.secret ? null : (p.default ?? null),
        description: p.description,
        secret: p.secret,
        deprecated: p.deprecated,
        obsoletes: p.obsoletes ?? null,
        choices: p.choices ?? [],
      })),
    };
  }
}
