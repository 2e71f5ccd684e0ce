/** Resolvers of fencing devices, the cluster log and tenants. */
export const FENCING_AND_LOG_RESOLVERS = [];
