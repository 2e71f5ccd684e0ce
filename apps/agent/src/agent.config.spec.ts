import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AgentConfigError, loadAgentConfig, parseAgentConfig, parseIsolationAddress } from './agent.config';

const problemsOf = (raw: unknown): string[] => {
  try {
    parseAgentConfig(raw, '/etc/haaas-agent');
  } catch (err) {
    if (err instanceof AgentConfigError) return [...err.problems];
    throw err;
  }
  return [];
};

describe('agent configuration', () => {
  it('fills defaults and resolves the token file next to the configuration', () => {
    expect(parseAgentConfig({ apiUrl: 'https://haaas.example.com/', tokenFile: 'token' }, '/etc/haaas-agent')).toEqual({
      apiUrl: 'https://haaas.example.com',
      tokenFile: '/etc/haaas-agent/token',
      intervalSeconds: 1,
      requestTimeoutMs: 5000,
      maxBackoffSeconds: 10,
      allowPlainHttp: false,
      actions: { enabled: true, types: ['IP', 'APPLICATION', 'VOLUME'], maxConcurrent: 4, pollWaitSeconds: 25 },
    });
  });

  it('reads where and which resource actions run, and reports every bad action setting', () => {
    const c = parseAgentConfig({ apiUrl: 'https://h', tokenFile: '/t', actions: { types: ['IP', 'APPLICATION'], netns: '/run/netns/blue', mountns: '/proc/1/ns/mnt', maxConcurrent: 2 } }, '/');
    expect(c.actions).toEqual({ enabled: true, types: ['IP', 'APPLICATION'], netns: '/run/netns/blue', mountns: '/proc/1/ns/mnt', maxConcurrent: 2, pollWaitSeconds: 25 });
    expect(parseAgentConfig({ apiUrl: 'https://h', tokenFile: '/t', actions: { enabled: false } }, '/').actions.enabled).toBe(false);
    expect(() => parseAgentConfig({ apiUrl: 'https://h', tokenFile: '/t', actions: { types: ['VM'], netns: 'blue', pollWaitSeconds: 60, typo: 1 } }, '/')).toThrow(
      /actions\.typo: unknown setting[\s\S]*actions\.types: must be a list of IP, APPLICATION, VOLUME[\s\S]*actions\.netns: must be the absolute path[\s\S]*actions\.pollWaitSeconds: must be an integer from 1 to 30/,
    );
  });

  it('reads both checks', () => {
    const c = parseAgentConfig(
      { apiUrl: 'https://h', tokenFile: '/t', storage: { path: '/mnt/shared' }, isolationAddress: { address: 'tcp://[2001:db8::1]:22', timeoutMs: 500 } },
      '/',
    );
    expect(c.storage).toEqual({ path: '/mnt/shared', timeoutMs: 2000 });
    expect(c.isolationAddress).toEqual({ address: 'tcp://[2001:db8::1]:22', timeoutMs: 500 });
    expect(parseIsolationAddress('tcp://[2001:db8::1]:22')).toEqual({ kind: 'tcp', host: '2001:db8::1', port: 22 });
    expect(parseIsolationAddress('gw.example.com')).toEqual({ kind: 'icmp', host: 'gw.example.com' });
  });

  it('reports every problem at once', () => {
    expect(
      problemsOf({
        apiUrl: 'ftp://x',
        token: 'abc',
        tokenFile: '/t',
        intervalSeconds: 0,
        storage: { path: 'relative', extra: 1 },
        isolationAddress: { address: '-f' },
        tokenfile: '/typo',
      }),
    ).toEqual([
      expect.stringMatching(/^tokenfile: unknown setting/),
      expect.stringMatching(/^apiUrl:/),
      expect.stringMatching(/^token, tokenFile: give exactly one/),
      expect.stringMatching(/^token: must be the node agent token/),
      expect.stringMatching(/^intervalSeconds:/),
      'storage.extra: unknown setting',
      expect.stringMatching(/^storage.path: must be an absolute path/),
      expect.stringMatching(/^isolationAddress.address:/),
    ]);
  });

  it('refuses plain http to another host unless allowed, since the token would travel in clear', () => {
    expect(problemsOf({ apiUrl: 'http://haaas.example.com', tokenFile: '/t' })).toEqual([expect.stringMatching(/unencrypted/)]);
    expect(problemsOf({ apiUrl: 'http://haaas.example.com', tokenFile: '/t', allowPlainHttp: true })).toEqual([]);
    expect(problemsOf({ apiUrl: 'http://127.0.0.1:4000', tokenFile: '/t' })).toEqual([]);
    expect(problemsOf({ apiUrl: 'https://user:pw@haaas.example.com', tokenFile: '/t' })).toEqual([expect.stringMatching(/^apiUrl/)]);
  });

  it.each(['tcp://host', 'tcp://host:22/path', 'a b', '$(reboot)', 'host;ls'])('refuses the isolation address %j', (address) => {
    expect(problemsOf({ apiUrl: 'https://h', tokenFile: '/t', isolationAddress: { address } })).toEqual([expect.stringMatching(/^isolationAddress.address/)]);
  });

  describe('from a file', () => {
    let dir: string;
    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), 'agent-config-'));
    });
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    it('refuses a token inline in a file others can read', () => {
      const file = join(dir, 'agent.json');
      writeFileSync(file, JSON.stringify({ apiUrl: 'https://h', token: `hna_t.${'0'.repeat(8)}` }));
      chmodSync(file, 0o644);
      expect(() => loadAgentConfig(file)).toThrow(/its mode is 0644: chmod 600/);
      chmodSync(file, 0o600);
      expect(loadAgentConfig(file).token).toMatch(/^hna_/);
    });

    it('says where the JSON is broken', () => {
      const file = join(dir, 'agent.json');
      writeFileSync(file, '{ "apiUrl": ');
      expect(() => loadAgentConfig(file)).toThrow(/is not valid JSON/);
    });
  });
});
