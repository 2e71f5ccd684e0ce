/** The SDK's version (a test checks it against package.json). */
export const SDK_VERSION = '0.1.0';

/**
 * Headers that name the SDK to the API (its logs and metrics tell SDK traffic and versions apart):
 * `x-haaas-client` everywhere, and a `user-agent` where the platform lets a script set one (Node,
 * Deno, Bun; browsers keep their own).
 */
export function clientHeaders(): Record<string, string> {
  const client = `haaas-sdk-typescript/${SDK_VERSION}`;
  const node = (globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node;
  const inBrowser = typeof (globalThis as { document?: unknown }).document !== 'undefined';
  return { 'x-haaas-client': client, ...(inBrowser ? {} : { 'user-agent': node ? `${client} node/${node}` : client }) };
}
