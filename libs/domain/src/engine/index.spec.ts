import * as domain from '../index';
import { DEFAULT_DETECTION_SETTINGS, DEFAULT_FAILBACK_SETTINGS, DEFAULT_PLACEMENT_SETTINGS, DEFAULT_RECOVERY_SETTINGS, DEFAULT_RETRY_POLICY, ReservedHostsMode } from './engine.settings';

describe('@haaas/domain engine surface', () => {
  it.each([
    'placeService',
    'planPlacements',
    'sortForPlacement',
    'summarizeRejections',
    'loadOf',
    'RejectionReason',
    'ReservedHostsMode',
    'planRecovery',
    'fencingTopology',
    'recoveryServiceOf',
    'PlannedOutcome',
    'FenceFailurePolicy',
    'RecoveryBlockerCode',
    'restartBudget',
    'pruneRestarts',
    'nextTarget',
    'retryDelayMs',
    'backoffSchedule',
    'retryDecision',
    'serviceFailureAction',
    'quorumReport',
    'nextNodeStatus',
    'initialNodeHealth',
    'evaluateClusterHealth',
    'NodeAction',
    'ProbeResult',
    'openIncident',
    'applyIncidentEvent',
    'servicesToPlace',
    'dueRetries',
    'incidentReport',
    'isTerminal',
    'IncidentState',
    'ServiceRecoveryState',
    'shouldFailBack',
  ])('exports %s', (name) => {
    expect((domain as Record<string, unknown>)[name]).toBeDefined();
  });

  it('keeps placement internals private', () => {
    for (const name of ['rejectionOf', 'rejectionReasonOf', 'rejectionDetail', 'availabilityReason', 'tierOf', 'compareRank', 'memberPriorities', 'BinaryHeap']) {
      expect((domain as Record<string, unknown>)[name]).toBeUndefined();
    }
  });

  it('has the documented engine defaults', () => {
    expect(DEFAULT_PLACEMENT_SETTINGS).toEqual({ reservedHosts: ReservedHostsMode.LAST_RESORT });
    expect(DEFAULT_RECOVERY_SETTINGS).toEqual({ reservedHosts: ReservedHostsMode.LAST_RESORT, parallelism: 8 });
    expect(DEFAULT_RETRY_POLICY).toEqual({ maxAttempts: 3, initialDelayMs: 2000, multiplier: 2, maxDelayMs: 30_000, jitterRatio: 0 });
    expect(DEFAULT_DETECTION_SETTINGS.bootGraceSeconds).toBe(60);
    expect(DEFAULT_FAILBACK_SETTINGS.stabilisationSeconds).toBe(300);
  });
});
