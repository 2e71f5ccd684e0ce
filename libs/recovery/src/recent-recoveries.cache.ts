import type { RecoveryRow } from './incident.codec';

/**
 * The service recovery rows of the incidents this process changed last, by the incident row's
 * version at that commit. Only the incident ledger writes these rows, and each of its writes bumps
 * the incident's version in the same transaction, so the rows committed at version V are exactly
 * the rows while the incident is at V: a step that finds the incident at a cached version needs not
 * read its thousand rows again. Entries are put only after the commit (a rolled-back write leaves
 * none), and any other version (another worker's write) misses and reads the rows.
 */
export class RecentRecoveries {
  private readonly entries = new Map<string, { readonly version: number; readonly rows: readonly RecoveryRow[] }>();

  constructor(private readonly capacity = 64) {}

  get(incidentId: string, version: number): readonly RecoveryRow[] | null {
    const e = this.entries.get(incidentId);
    return e && e.version === version ? e.rows : null;
  }

  put(incidentId: string, version: number, rows: readonly RecoveryRow[]): void {
    const current = this.entries.get(incidentId);
    // commits of one incident may report out of order: never go back to an older version
    if (current && current.version > version) return;
    this.entries.delete(incidentId);
    this.entries.set(incidentId, { version, rows });
    // least recently written out first (Map keeps insertion order)
    while (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
  }
}
