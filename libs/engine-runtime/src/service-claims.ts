import { ConflictError, NotFoundError, TenantScope } from '@haaas/domain';
import { appendEvent } from '@haaas/management';
import { isNull, Store } from '@haaas/persistence';

/** The service is claimed by another actor (an operation or another recovery job) whose claim has not expired. */
export class ServiceClaimedError extends ConflictError {
  constructor(
    readonly serviceId: string,
    readonly holder: string,
    readonly expiresAt: Date | null,
  ) {
    super(`service ${serviceId} is being acted on by ${holder}${expiresAt ? ` (claim until ${expiresAt.toISOString()})` : ''}`, { serviceId, holder });
  }
}

/** This actor's claim on the service ended (not renewed in time, or taken over after it expired): stop acting. */
export class ClaimLostError extends ConflictError {
  constructor(
    readonly serviceId: string,
    readonly owner: string,
  ) {
    super(`the claim of ${owner} on service ${serviceId} was lost`, { serviceId, owner });
  }
}

/**
 * The right to act on one service, held by one actor at a time. It is renewed in the background
 * until released; when a renewal finds it gone (expired and taken by another actor), `signal`
 * aborts, and every hypervisor call made with it stops at its next safe point.
 */
export interface ServiceClaim {
  readonly scope: TenantScope;
  readonly serviceId: string;
  readonly owner: string;
  /** Aborted when the claim is lost. */
  readonly signal: AbortSignal;
  /** Throws ClaimLostError when the claim was lost. */
  assertHeld(): void;
  /** Ends the claim (if still ours) and stops renewing; idempotent. */
  release(): Promise<void>;
}

export interface ServiceClaimOptions {
  /** How long a claim lasts without renewal: a crashed worker's claim frees the service after this. */
  readonly ttlMs: number;
  /** How often a held claim is renewed (well under ttlMs). */
  readonly renewEveryMs: number;
}

export interface ClaimWaitOptions {
  /** How long to wait for a claim held by another actor; 0: do not wait. */
  readonly waitMs?: number;
  readonly pollMs?: number;
  readonly signal?: AbortSignal;
}

/**
 * Service claims on the services row (`claimed_by`, `claim_expires_at`): taken, renewed and
 * released with the row locked (SELECT ... FOR UPDATE then UPDATE in one transaction), which is a
 * conditional update: of two actors, one sees the row free and takes it, the other sees it taken.
 * Expiry compares the claim's end with this process's clock; claims last tens of seconds, far
 * beyond the skew of NTP-synchronised servers.
 */
export class ServiceClaims {
  constructor(
    private readonly store: Store,
    private readonly options: ServiceClaimOptions,
  ) {}

  /** Takes the claim when it is free, expired, or already `owner`'s; null when another actor holds it. */
  async tryClaim(scope: TenantScope, serviceId: string, owner: string): Promise<ServiceClaim | null> {
    // read, then compare-and-set what was read: one statement and no transaction per claim (a
    // recovery claims every service it starts); a row changed in between is read again
    for (let attempt = 0; attempt < 5; attempt++) {
      const [seen] = await this.store.repos.services.select(scope, { id: serviceId }, ['clusterId', 'claimedBy', 'claimExpiresAt']);
      if (!seen) throw new NotFoundError('Service', serviceId);
      const now = Date.now();
      const holder = seen.claimedBy ?? null;
      const expires = seen.claimExpiresAt ?? null;
      if (holder !== null && holder !== owner && expires !== null && expires.getTime() > now) return null;
      const taken = await this.store.repos.services.updateWhere(
        scope,
        { id: serviceId, claimedBy: holder ?? isNull(), claimExpiresAt: expires ?? isNull() },
        { claimedBy: owner, claimExpiresAt: new Date(now + this.options.ttlMs) },
      );
      if (taken === 0) continue;
      if (holder !== null && holder !== owner) {
        // a crashed or stuck actor's claim ran out: worth a line in the log for whoever investigates
        await this.store.transaction((repos) =>
          appendEvent(repos, scope, {
            clusterId: seen.clusterId,
            type: 'service.claim_taken_over',
            objectType: 'Service',
            objectId: serviceId,
            serviceId,
            before: { claimedBy: holder, claimExpiresAt: expires?.toISOString() ?? null },
            after: { claimedBy: owner },
            message: `claim of ${holder} expired; taken by ${owner}`,
          }),
        );
      }
      return this.held(scope, serviceId, owner);
    }
    return null;
  }

  /** Takes the claim, waiting up to `waitMs` for another actor's claim to end; ServiceClaimedError after that. */
  async claim(scope: TenantScope, serviceId: string, owner: string, wait: ClaimWaitOptions = {}): Promise<ServiceClaim> {
    const until = Date.now() + (wait.waitMs ?? 0);
    const pollMs = wait.pollMs ?? 500;
    for (;;) {
      const claim = await this.tryClaim(scope, serviceId, owner);
      if (claim) return claim;
      if (Date.now() + pollMs > until || wait.signal?.aborted) {
        const row = await this.store.repos.services.get(scope, serviceId);
        throw new ServiceClaimedError(serviceId, row.claimedBy ?? 'unknown', row.claimExpiresAt ?? null);
      }
      await new Promise((resolve) => setTimeout(resolve, pollMs));
    }
  }

  /** Runs `fn` holding the claim, and releases it afterwards whatever happens. */
  async withClaim<T>(scope: TenantScope, serviceId: string, owner: string, fn: (claim: ServiceClaim) => Promise<T>, wait: ClaimWaitOptions = {}): Promise<T> {
    const claim = await this.claim(scope, serviceId, owner, wait);
    try {
      return await fn(claim);
    } finally {
      await claim.release();
    }
  }

  /** Who holds the service now (null when free or expired). */
  async holder(scope: TenantScope, serviceId: string): Promise<{ owner: string; expiresAt: Date } | null> {
    const row = await this.store.repos.services.get(scope, serviceId);
    if (!row.claimedBy || !row.claimExpiresAt || row.claimExpiresAt.getTime() <= Date.now()) return null;
    return { owner: row.claimedBy, expiresAt: row.claimExpiresAt };
  }

  private held(scope: TenantScope, serviceId: string, owner: string): ServiceClaim {
    const controller = new AbortController();
    let expiresAt = Date.now() + this.options.ttlMs;
    let released = false;
    const lose = (): void => {
      if (!controller.signal.aborted) controller.abort(new ClaimLostError(serviceId, owner));
    };
    const renew = async (): Promise<void> => {
      try {
        const next = Date.now() + this.options.ttlMs;
        const ok = (await this.store.repos.services.updateWhere(scope, { id: serviceId, claimedBy: owner }, { claimExpiresAt: new Date(next) })) > 0;
        if (ok) expiresAt = next;
        if (!ok) lose();
      } catch {
        // the database did not answer: the claim holds until it would expire
        if (Date.now() >= expiresAt) lose();
      }
    };
    let renewing: Promise<void> = Promise.resolve();
    const timer = setInterval(() => {
      if (released || controller.signal.aborted) return;
      renewing = renew();
    }, this.options.renewEveryMs);
    timer.unref();
    return {
      scope,
      serviceId,
      owner,
      signal: controller.signal,
      assertHeld: () => {
        if (controller.signal.aborted || Date.now() >= expiresAt) {
          lose();
          throw new ClaimLostError(serviceId, owner);
        }
      },
      release: async () => {
        if (released) return;
        released = true;
        clearInterval(timer);
        await renewing;
        await this.store.repos.services.updateWhere(scope, { id: serviceId, claimedBy: owner }, { claimedBy: null, claimExpiresAt: null });
      },
    };
  }
}
