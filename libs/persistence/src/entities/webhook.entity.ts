import { Column, Entity, Index, JoinColumn, ManyToOne } from 'typeorm';
import { TenantOwnedEntity } from './base.entity';
import { ClusterEntity } from './cluster.entity';

/** An outbound webhook of a cluster (@haaas/webhooks): where its events are POSTed, signed. */
@Entity('webhooks')
@Index(['tenantId', 'clusterId', 'id'])
export class WebhookEntity extends TenantOwnedEntity {
  @Column({ type: 'char', length: 36 })
  clusterId!: string;

  @ManyToOne(() => ClusterEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'cluster_id' })
  cluster?: ClusterEntity;

  @Column({ type: 'varchar', length: 2048 })
  url!: string;

  /** Webhook event types it receives (`incident.opened` …; @haaas/webhooks' WEBHOOK_EVENT_TYPES). */
  @Column({ type: 'json' })
  eventTypes!: string[];

  @Column({ type: 'boolean', default: true })
  enabled!: boolean;

  @Column({ type: 'varchar', length: 255, default: '' })
  description!: string;

  /** The signing secret, sealed with the SecretSealer (context: tenant and webhook id); never returned. */
  @Column({ type: 'text' })
  secret!: string;
}

/**
 * One event to deliver to one webhook, and how its delivery went: written in the transaction that
 * appended the event (an outbox: nothing is lost when a process dies before the job is queued),
 * unique per webhook and event, so an event is delivered once however often its job runs.
 */
@Entity('webhook_deliveries')
@Index(['webhookId', 'eventId', 'eventType'], { unique: true })
@Index(['tenantId', 'webhookId', 'id'])
@Index(['status', 'id'])
export class WebhookDeliveryEntity extends TenantOwnedEntity {
  @Column({ type: 'char', length: 36 })
  webhookId!: string;

  @ManyToOne(() => WebhookEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'webhook_id' })
  webhook?: WebhookEntity;

  @Column({ type: 'char', length: 36 })
  clusterId!: string;

  /** The cluster log event it tells of; for a test delivery, the delivery's own id. */
  @Column({ type: 'char', length: 36 })
  eventId!: string;

  /** Webhook event type (`incident.opened`, `service.rto_missed`, `webhook.test` …). */
  @Column({ type: 'varchar', length: 64 })
  eventType!: string;

  /** The exact JSON body sent on every attempt (the signature covers it and the attempt's timestamp). */
  @Column({ type: 'mediumtext' })
  body!: string;

  /** PENDING, DELIVERED or FAILED (gave up after the last attempt). */
  @Column({ type: 'varchar', length: 16 })
  status!: string;

  @Column({ type: 'int', default: 0 })
  attempts!: number;

  @Column({ type: 'int', nullable: true })
  lastStatusCode!: number | null;

  @Column({ type: 'varchar', length: 500, nullable: true })
  lastError!: string | null;

  @Column({ type: 'datetime', precision: 3, nullable: true })
  lastAttemptAt!: Date | null;

  @Column({ type: 'datetime', precision: 3, nullable: true })
  deliveredAt!: Date | null;
}
