import { Args, ID, Mutation, Query, Resolver } from '@nestjs/graphql';
import { CurrentScope } from '@haaas/auth';
import { TenantScope } from '@haaas/domain';
import { WebhookService } from '@haaas/webhooks';
import { toConnection, toPageArgs } from '../common/connection.model';
import { CreateWebhookInput, UpdateWebhookInput, WebhookDeliveriesArgs } from './webhook.input';
import { toWebhook, toWebhookDelivery, Webhook, WebhookDelivery, WebhookDeliveryConnection } from './webhook.model';

@Resolver(() => Webhook)
export class WebhookResolver {
  constructor(private readonly service: WebhookService) {}

  @Query(() => [Webhook], { description: 'The webhooks of a cluster, oldest first.' })
  async webhooks(@CurrentScope() scope: TenantScope, @Args('clusterId', { type: () => ID }) clusterId: string): Promise<Webhook[]> {
    return (await this.service.ofCluster(scope, clusterId)).map(toWebhook);
  }

  @Query(() => Webhook, { description: 'A webhook by id.' })
  async webhook(@CurrentScope() scope: TenantScope, @Args('id', { type: () => ID }) id: string): Promise<Webhook> {
    return toWebhook(await this.service.get(scope, id));
  }

  @Query(() => WebhookDeliveryConnection, { description: 'The delivery log of a webhook, newest first.' })
  async webhookDeliveries(@CurrentScope() scope: TenantScope, @Args() args: WebhookDeliveriesArgs): Promise<WebhookDeliveryConnection> {
    return toConnection(await this.service.deliveries(scope, args.webhookId, { status: args.status ?? null }, toPageArgs(args, 'DESC')), toWebhookDelivery);
  }

  @Mutation(() => Webhook, { description: 'Adds a webhook to a cluster (at most 20 a cluster). Members and admins.' })
  async createWebhook(@CurrentScope() scope: TenantScope, @Args('input') input: CreateWebhookInput): Promise<Webhook> {
    return toWebhook(await this.service.create(scope, input));
  }

  @Mutation(() => Webhook, { description: 'Changes a webhook; fields left out stay as they are (the secret included).' })
  async updateWebhook(@CurrentScope() scope: TenantScope, @Args('input') input: UpdateWebhookInput): Promise<Webhook> {
    return toWebhook(await this.service.update(scope, input));
  }

  @Mutation(() => Webhook, { description: 'Deletes a webhook and its delivery log; returns it as it was.' })
  async deleteWebhook(@CurrentScope() scope: TenantScope, @Args('id', { type: () => ID }) id: string): Promise<Webhook> {
    return toWebhook(await this.service.delete(scope, id));
  }

  @Mutation(() => WebhookDelivery, { description: 'Queues a signed `webhook.test` delivery to the webhook; follow it in webhookDeliveries.' })
  async testWebhook(@CurrentScope() scope: TenantScope, @Args('id', { type: () => ID }) id: string): Promise<WebhookDelivery> {
    return toWebhookDelivery(await this.service.test(scope, id));
  }
}
