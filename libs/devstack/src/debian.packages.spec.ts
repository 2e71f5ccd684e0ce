import { aptInstallCommand, ensureDebianPackages, findBinary, MissingPackagesError, missingDebianPackages } from './debian.packages';

describe('debian packages', () => {
  it('finds binaries in PATH and the sbin directories', () => {
    expect(findBinary('sh')).toMatch(/\/sh$/);
    expect(findBinary('haaas-no-such-binary')).toBeUndefined();
  });

  it('spells the install command for a human', () => {
    expect(aptInstallCommand(['mariadb-server', 'redis-server'], false)).toBe(
      'sudo apt-get update && sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends mariadb-server redis-server',
    );
  });

  it('does nothing when the binaries are there', async () => {
    await expect(ensureDebianPackages(['fake-shell'], { binaries: { 'fake-shell': ['sh'] }, asRoot: false })).resolves.toBeUndefined();
  });

  it('tells a non-root user the exact command to run for the missing packages only', async () => {
    const binaries = { 'fake-shell': ['sh'], 'fake-missing': ['haaas-no-such-binary'] };
    expect(await missingDebianPackages(['fake-shell', 'fake-missing'], binaries)).toEqual(['fake-missing']);
    const attempt = ensureDebianPackages(['fake-shell', 'fake-missing'], { binaries, asRoot: false });
    await expect(attempt).rejects.toBeInstanceOf(MissingPackagesError);
    await expect(attempt).rejects.toThrow(
      /^sudo apt-get update && sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends fake-missing$/,
    );
  });
});
