import { Logger, Provider } from '@nestjs/common';
import { FenceAgentCatalog as InstalledAgents, FenceAgentRunner } from '@haaas/fencing';
import { FENCE_AGENT_CATALOG } from '../fencing/fence-agent.catalog';
import { AdapterPoolsCloser } from './adapter-pools.closer';
import { FenceAgentDirectoryService } from './fence-agent-directory.service';
import { FencingTestService } from './fencing-test.service';
import { FencingExecutor } from './fencing.executor';
import { MetadataFenceAgentCatalog } from './metadata-fence-agent.catalog';
import { NodeProbeService } from './node-probe.service';

const fenceLog = new Logger('fencing');

/** Application services that talk to hypervisors and BMCs on an operator's request. */
export const PROBE_SERVICES: Provider[] = [
  NodeProbeService,
  AdapterPoolsCloser,
  FencingExecutor,
  FencingTestService,
  FenceAgentDirectoryService,
  // one line per attempt (agent, action, outcome, time), never option values
  { provide: FenceAgentRunner, useFactory: () => new FenceAgentRunner({ log: (line) => fenceLog.log(line) }) },
  { provide: InstalledAgents, useFactory: (runner: FenceAgentRunner) => runner.catalog, inject: [FenceAgentRunner] },
  // devices are validated against the installed agents' own metadata
  { provide: FENCE_AGENT_CATALOG, useClass: MetadataFenceAgentCatalog },
];
