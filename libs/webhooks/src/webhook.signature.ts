import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The signature header, as Stripe's: `HAaaS-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256>`, the
 * HMAC keyed with the webhook's secret over `<t>.<raw body>`. The timestamp is signed so a receiver
 * can refuse replays (older than its tolerance, 5 minutes by default here); `v1` names the scheme
 * so a later one can be sent beside it during a change.
 */
export const SIGNATURE_HEADER = 'haaas-signature';
export const DEFAULT_TOLERANCE_SECONDS = 300;

export function signWebhook(secret: string, body: string, timestampSeconds: number): string {
  const t = Math.floor(timestampSeconds);
  return `t=${t},v1=${createHmac('sha256', secret).update(`${t}.${body}`).digest('hex')}`;
}

/**
 * What a receiver does (exported for tenants' tests and ours): true when one `v1` signature of the
 * header matches the body and the timestamp is within the tolerance of `nowSeconds`.
 */
export function verifyWebhookSignature(secret: string, body: string, header: string, nowSeconds = Date.now() / 1000, toleranceSeconds = DEFAULT_TOLERANCE_SECONDS): boolean {
  const parts = header.split(',').map((p) => p.trim().split('=', 2) as [string, string | undefined]);
  const t = Number(parts.find(([k]) => k === 't')?.[1]);
  if (!Number.isInteger(t) || Math.abs(nowSeconds - t) > toleranceSeconds) return false;
  const expected = Buffer.from(createHmac('sha256', secret).update(`${t}.${body}`).digest('hex'));
  return parts.some(([k, v]) => k === 'v1' && v !== undefined && v.length === expected.length && timingSafeEqual(Buffer.from(v), expected));
}
