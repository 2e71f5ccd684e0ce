/** Sent with every heartbeat and in the User-Agent header. */
export const AGENT_VERSION = '0.1.0';
