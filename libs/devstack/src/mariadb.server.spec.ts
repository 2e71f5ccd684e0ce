import { tmpdir } from 'node:os';
import { databaseUrl, createDatabase } from './mariadb.admin';
import { mariaDbPaths } from './mariadb.server';

describe('MariaDB helpers', () => {
  it('keeps the socket within the unix path limit', () => {
    expect(mariaDbPaths('/srv/db').socket).toBe('/srv/db/mariadb.sock');
    const deep = mariaDbPaths(`/srv/${'x'.repeat(120)}`).socket;
    expect(deep.startsWith(tmpdir())).toBe(true);
    expect(deep.length).toBeLessThan(108);
  });

  it('builds database URLs and refuses names that are not plain identifiers', async () => {
    expect(databaseUrl('mysql://root@127.0.0.1:3306', 'haaas_1')).toBe('mysql://root@127.0.0.1:3306/haaas_1');
    expect(databaseUrl('mysql://root@127.0.0.1:3306/other', 'haaas_1')).toBe('mysql://root@127.0.0.1:3306/haaas_1');
    expect(() => databaseUrl('mysql://root@127.0.0.1:3306', 'a`; DROP')).toThrow(/invalid database name/);
    await expect(createDatabase('mysql://root@127.0.0.1:1', 'x-y')).rejects.toThrow(/invalid database name/);
  });
});
