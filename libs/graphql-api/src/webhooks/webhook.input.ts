import { ArgsType, Field, ID, InputType } from '@nestjs/graphql';
import { ConnectionArgs } from '../common/connection.model';
import { WebhookDeliveryStatus, WebhookEventTypeEnum } from './webhook.model';

@InputType()
export class CreateWebhookInput {
  @Field(() => ID)
  clusterId!: string;

  @Field({ description: 'http(s) URL the events are POSTed to (no credentials in it).' })
  url!: string;

  @Field(() => [WebhookEventTypeEnum])
  eventTypes!: string[];

  @Field({ description: 'Signing secret, 16-256 characters; write-only.' })
  secret!: string;

  @Field(() => String, { nullable: true })
  description?: string | null;

  @Field(() => Boolean, { nullable: true, defaultValue: true })
  enabled?: boolean | null;
}

@InputType()
export class UpdateWebhookInput {
  @Field(() => ID)
  id!: string;

  @Field(() => String, { nullable: true })
  url?: string | null;

  @Field(() => [WebhookEventTypeEnum], { nullable: true })
  eventTypes?: string[] | null;

  @Field(() => String, { nullable: true, description: 'A new signing secret (write-only); absent: unchanged.' })
  secret?: string | null;

  @Field(() => String, { nullable: true })
  description?: string | null;

  @Field(() => Boolean, { nullable: true })
  enabled?: boolean | null;
}

@ArgsType()
export class WebhookDeliveriesArgs extends ConnectionArgs {
  @Field(() => ID)
  webhookId!: string;

  @Field(() => WebhookDeliveryStatus, { nullable: true })
  status?: WebhookDeliveryStatus | null;
}
