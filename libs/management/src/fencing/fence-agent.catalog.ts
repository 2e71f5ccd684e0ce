import { Injectable } from '@nestjs/common';
import type { FieldProblem } from '@haaas/domain';

/** One option of a request, as the catalog sees it. Secret values are not passed. */
export interface FenceAgentOptionRef {
  readonly key: string;
  /** Input path for problems, e.g. `options[2].key`. */
  readonly field: string;
  readonly secret: boolean;
  /** The value, for non-secret options only (content type checks: integer, boolean, select). */
  readonly value?: string;
}

export interface FenceAgentCheck {
  readonly agent: string;
  /** Input path of the agent, for "unknown agent" problems. */
  readonly agentField: string;
  /** Device-wide options, or per-node ones (`plug`, `port`) of an association. */
  readonly target: 'device' | 'association';
  /** The options given in this request (for changes: those being set). */
  readonly options: readonly FenceAgentOptionRef[];
}

/**
 * What the installed fence agents accept: the seam for validating a device against the agent's
 * own `-o metadata` (known agent, known parameters, content types). The services call it after
 * the domain's syntax checks and before writing; its problems become BAD_USER_INPUT.
 */
export interface FenceAgentCatalog {
  check(request: FenceAgentCheck): Promise<readonly FieldProblem[]>;
}

export const FENCE_AGENT_CATALOG = Symbol('FENCE_AGENT_CATALOG');

/**
 * The default until the fence-agent adapters land: accepts every agent that matches the domain's
 * FENCE_AGENT_PATTERN and every option the domain's syntax rules accept (both checked by the
 * service before this). The adapters bind FENCE_AGENT_CATALOG to a catalog that reads each
 * agent's metadata; nothing else changes.
 */
@Injectable()
export class SyntaxOnlyFenceAgentCatalog implements FenceAgentCatalog {
  async check(_request: FenceAgentCheck): Promise<readonly FieldProblem[]> {
    return [];
  }
}
