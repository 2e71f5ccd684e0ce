/** Resolvers of services (resource groups) and failover domains. */
export const SERVICE_GROUP_RESOLVERS = [];
