import { signWebhook, verifyWebhookSignature } from './webhook.signature';

describe('webhook signatures', () => {
  const body = '{"type":"incident.opened"}';
  it('signs the timestamp and the body; a receiver with the secret verifies it', () => {
    const h = signWebhook('s3cret-s3cret-s3cret', body, 1_800_000_000);
    expect(h).toMatch(/^t=1800000000,v1=[0-9a-f]{64}$/);
    expect(verifyWebhookSignature('s3cret-s3cret-s3cret', body, h, 1_800_000_010)).toBe(true);
  });
  it('refuses another secret, a changed body, a changed timestamp and an old one', () => {
    const h = signWebhook('s3cret-s3cret-s3cret', body, 1_800_000_000);
    expect(verifyWebhookSignature('other-other-other-1', body, h, 1_800_000_000)).toBe(false);
    expect(verifyWebhookSignature('s3cret-s3cret-s3cret', `${body} `, h, 1_800_000_000)).toBe(false);
    expect(verifyWebhookSignature('s3cret-s3cret-s3cret', body, h.replace('t=1800000000', 't=1800000001'), 1_800_000_000)).toBe(false);
    expect(verifyWebhookSignature('s3cret-s3cret-s3cret', body, h, 1_800_000_301)).toBe(false);
  });
});
