/** Sent with every heartbeat and in the User-Agent header; equal to package.json's version (the build and version.spec.ts check it). */
export const AGENT_VERSION = '0.1.0';
