import * as domain from './index';

describe('@haaas/domain public surface', () => {
  it.each([
    'BadInputError',
    'NotFoundError',
    'ConflictError',
    'QuotaExceededError',
    'ForbiddenError',
    'UnauthenticatedError',
    'PreconditionFailedError',
    'Problems',
    'TenantScope',
    'NodeStatus',
    'RecoveryAction',
    'isName',
    'isHostname',
    'applyAttributeChange',
    'resolveClusterPolicy',
    'quorumOf',
    'clusterHealth',
    'resolveServicePolicy',
    'checkDomainMembers',
    'checkFencingOptions',
    'isSecretOption',
    'assertWithinQuota',
  ])('exports %s', (name) => {
    expect((domain as Record<string, unknown>)[name]).toBeDefined();
  });
});
