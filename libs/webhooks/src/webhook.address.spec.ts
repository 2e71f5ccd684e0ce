import { lookup } from 'node:dns/promises';
import { hostname } from 'node:os';
import { isPrivateAddress, privateAddressOf, privateHostOf } from './webhook.address';

describe('webhook address checks (SSRF)', () => {
  it.each(['127.0.0.1', '127.8.9.10', '10.1.2.3', '172.16.0.1', '172.31.255.255', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '::1', '::', 'fe80::1', 'fd00::1', '::ffff:127.0.0.1', '::ffff:10.0.0.1', '224.0.0.1'])(
    'refuses %s',
    (a) => expect(isPrivateAddress(a)).toBe(true),
  );
  it.each(['8.8.8.8', '172.32.0.1', '192.169.0.1', '1.1.1.1', '2001:4860:4860::8888', '::ffff:8.8.8.8'])('accepts %s', (a) => expect(isPrivateAddress(a)).toBe(false));

  it('tells a private host named in the URL itself', () => {
    expect(privateHostOf(new URL('http://localhost:8080/x'))).toBe('localhost');
    expect(privateHostOf(new URL('http://[::1]/x'))).toBe('::1');
    expect(privateHostOf(new URL('https://10.0.0.5/hook'))).toBe('10.0.0.5');
    expect(privateHostOf(new URL('https://hooks.example.com/x'))).toBeUndefined();
  });

  it('resolves a name before a POST and finds the private address it points to', async () => {
    await expect(privateAddressOf(new URL('http://localhost/x'))).resolves.toBe('localhost');
    // the machine's own name resolves through /etc/hosts (no network), here to a loopback address
    const name = hostname();
    const { address } = await lookup(name);
    await expect(privateAddressOf(new URL(`http://${name}/x`))).resolves.toBe(isPrivateAddress(address) ? address : undefined);
    await expect(privateAddressOf(new URL('http://8.8.8.8/x'))).resolves.toBeUndefined();
  });
});
