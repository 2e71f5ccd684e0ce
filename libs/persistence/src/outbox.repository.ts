import type { EntityManager } from 'typeorm';
import { WebhookDeliveryEntity } from './entities';

/**
 * The webhook outbox seen across tenants, for its sweeper only: deliveries still PENDING long
 * after they were written, which a crash between the commit and the queueing of their job may
 * have stranded. Reads ids, never bodies; the delivery job reads the row through its tenant scope.
 */
export class OutboxRepository {
  constructor(private readonly manager: EntityManager) {}

  /** PENDING deliveries written before `before`, oldest first (the (status, id) index). */
  async pendingBefore(before: Date, limit: number): Promise<{ id: string; tenantId: string }[]> {
    return this.manager
      .createQueryBuilder(WebhookDeliveryEntity, 'd')
      .select(['d.id', 'd.tenantId'])
      .where('d.status = :status', { status: 'PENDING' })
      .andWhere('d.createdAt < :before', { before })
      .orderBy('d.id', 'ASC')
      .take(limit)
      .getMany();
  }
}
