import { Injectable, Module } from '@nestjs/common';
import type { JwtConfig } from '@haaas/config';
import { AuthModule } from './auth.module';
import { callHttp, hsConfig, mint, startProbeApp } from './testing/auth-test.harness';
import type { TenantDirectory } from './tenant-directory.interface';

@Injectable()
class RecordingDirectory implements TenantDirectory {
  static readonly seen: string[] = [];
  async ensureTenant(tenantId: string): Promise<void> {
    RecordingDirectory.seen.push(tenantId);
  }
}

@Module({ providers: [RecordingDirectory], exports: [RecordingDirectory] })
class DirectoryModule {}

describe('AuthModule.forRoot', () => {
  const directory = { useValue: { ensureTenant: async () => undefined } };

  it('refuses an unusable JWT configuration at startup', () => {
    const bad = (jwt: Partial<JwtConfig>): (() => unknown) => () => AuthModule.forRoot({ jwt: hsConfig(jwt), tenantDirectory: directory });
    expect(bad({ algorithms: ['none' as 'HS256'] })).toThrow(/"none" is not supported/);
    expect(bad({ algorithms: ['HS256', 'RS256'] })).toThrow(/cannot be mixed/);
    expect(bad({ key: { kind: 'secret', secret: 'short', isDevSecret: false } })).toThrow(/at least 32 bytes/);
    expect(bad({ algorithms: ['RS256'] })).toThrow(/lists public-key algorithms/);
    expect(bad({ issuer: '' })).toThrow(/HAAAS_JWT_ISSUER/);
  });

  it('takes a directory class exported by an imported module', async () => {
    const app = await startProbeApp(hsConfig(), { tenantDirectory: RecordingDirectory, imports: [DirectoryModule] });
    try {
      const token = await mint({ sub: 'alice', tenant: 'hooli', roles: ['member'] });
      expect((await callHttp(app.url, '/probe/me', { token })).status).toBe(200);
      expect(RecordingDirectory.seen).toEqual(['hooli']);
    } finally {
      await app.close();
    }
  });
});
