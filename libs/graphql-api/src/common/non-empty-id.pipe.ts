import { type ArgumentMetadata, Injectable, type PipeTransform } from '@nestjs/common';
import { BadInputError } from '@haaas/domain';

/** Argument names that hold an id (`id`, `clusterId`, `nodeIds`, ...). */
const ID_ARGUMENT = /^(id|ids|\w+Ids?)$/;

/**
 * Refuses an empty string as an id argument with BAD_USER_INPUT naming the argument. Without it an
 * empty id reaches the lookup and comes back as NOT_FOUND ("Cluster  not found"), which reads like
 * a missing object rather than a mistake in the request. A global pipe, so every resolver's id
 * arguments are covered, those of new resolvers included.
 */
@Injectable()
export class NonEmptyIdPipe implements PipeTransform {
  transform(value: unknown, metadata: ArgumentMetadata): unknown {
    const name = metadata.data;
    if (typeof name !== 'string' || !ID_ARGUMENT.test(name)) return value;
    const empty = value === '' || (Array.isArray(value) && value.some((v) => v === ''));
    if (empty) throw new BadInputError([{ field: name, message: 'must not be empty' }]);
    return value;
  }
}
