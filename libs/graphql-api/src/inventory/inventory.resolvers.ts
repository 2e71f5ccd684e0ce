/** Resolvers of nodes and resources. */
export const INVENTORY_RESOLVERS = [];
