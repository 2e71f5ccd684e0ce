import { Field, InputType, ObjectType } from '@nestjs/graphql';

@ObjectType({ description: 'A free-form key/value attribute.' })
export class Attribute {
  @Field()
  key!: string;

  @Field()
  value!: string;
}

@InputType()
export class AttributeInput {
  @Field()
  key!: string;

  @Field()
  value!: string;
}

@InputType({ description: 'Attributes to set (added or replaced) and keys to remove, applied together.' })
export class AttributeChangeInput {
  @Field(() => [AttributeInput], { nullable: true })
  set?: AttributeInput[] | null;

  @Field(() => [String], { nullable: true })
  unset?: string[] | null;
}

export function toAttributes(map: Readonly<Record<string, string>>): Attribute[] {
  return Object.keys(map)
    .sort()
    .map((key) => ({ key, value: map[key] as string }));
}

export function toAttributeChange(input: AttributeChangeInput): { set: AttributeInput[]; unset: string[] } {
  return { set: input.set ?? [], unset: input.unset ?? [] };
}
