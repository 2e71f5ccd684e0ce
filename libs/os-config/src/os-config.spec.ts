import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudConfigError, resolveOsSettings } from './os-config';

describe('resolveOsSettings: options > OS_* > clouds.yaml + secure.yaml', () => {
  const dir = mkdtempSync(join(tmpdir(), 'haaas-osconfig-'));
  writeFileSync(join(dir, 'clouds.yaml'), 'clouds:\n  lab:\n    region_name: R1\n    auth:\n      auth_url: http://k:5000/v3\n      username: alice\n      project_name: p\n');
  writeFileSync(join(dir, 'secure.yaml'), 'clouds:\n  lab:\n    auth:\n      password: s3\n');

  it('merges secure.yaml into the cloud, variables over the file, options over both', () => {
    expect(resolveOsSettings({ values: {} }, { OS_CLOUD: 'lab' }, dir)).toEqual({ auth_url: 'http://k:5000/v3', username: 'alice', project_name: 'p', password: 's3', region_name: 'R1' });
    const s = resolveOsSettings({ cloud: 'lab', values: { project_name: 'from-option' } }, { OS_USERNAME: 'bob', OS_PROJECT_NAME: 'from-env' }, dir);
    expect(s).toMatchObject({ username: 'bob', project_name: 'from-option', password: 's3' });
  });
  it('OS_CLIENT_CONFIG_FILE is read first; an unknown cloud says where it looked', () => {
    const other = join(dir, 'other.yaml');
    writeFileSync(other, 'clouds:\n  lab:\n    auth:\n      auth_url: http://other/v3\n');
    expect(resolveOsSettings({ cloud: 'lab', values: {} }, { OS_CLIENT_CONFIG_FILE: other }, dir).auth_url).toBe('http://other/v3');
    expect(() => resolveOsSettings({ cloud: 'nope', values: {} }, {}, dir)).toThrow(CloudConfigError);
    expect(() => resolveOsSettings({ cloud: 'x', values: {} }, { OS_CLIENT_CONFIG_FILE: join(dir, 'missing.yaml') }, dir)).toThrow(/does not exist/);
  });
  it('without a cloud: the variables alone', () => {
    expect(resolveOsSettings({ values: {} }, { OS_AUTH_URL: 'http://k/v3', OS_AUTH_TYPE: 'v3token', OS_TOKEN: 't' }, dir)).toEqual({ auth_url: 'http://k/v3', auth_type: 'v3token', token: 't' });
  });
});
