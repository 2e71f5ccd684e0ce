import { Hypervisor } from '@haaas/domain';
import { isAdapterError } from '@haaas/hypervisor';
import { sdkUrl, VsphereAdapter } from './vsphere.adapter';
import { connectionState, vmPowerState } from './vsphere.host';

describe('VsphereAdapter', () => {
  it('is the VSPHERE adapter and offers migrate, host power and register', () => {
    const adapter = new VsphereAdapter();
    expect(adapter.hypervisor).toBe(Hypervisor.VSPHERE);
    const host = adapter.connect({ uri: 'https://vc.example/sdk', username: 'u', password: 'p', host: 'esx1' });
    expect(host.capabilities).toEqual({ migrate: true, hostPower: true, register: true });
  });

  it('needs credentials', () => {
    const attempt = (): unknown => new VsphereAdapter().connect({ uri: 'https://vc.example/sdk', username: 'u' });
    expect(attempt).toThrow(expect.objectContaining({ kind: 'AUTH_FAILED' }));
  });

  it('completes the /sdk path and refuses plain http, credentials in the URI and non-URLs without echoing them', () => {
    expect(sdkUrl('https://vc.example').href).toBe('https://vc.example/sdk');
    expect(sdkUrl('https://vc.example:8443/sdk').href).toBe('https://vc.example:8443/sdk');
    expect(() => sdkUrl('http://vc.example/sdk')).toThrow(/https/);
    for (const uri of ['https://root:s3cret@vc.example/sdk', 'not a url s3cret']) {
      try {
        sdkUrl(uri);
        throw new Error('accepted');
      } catch (error) {
        expect(isAdapterError(error, 'UNSUPPORTED')).toBe(true);
        expect((error as Error).message).not.toContain('s3cret');
      }
    }
  });
});

describe('state mapping', () => {
  it('maps VM power states, and a VM the manager lost to UNKNOWN whatever it last reported', () => {
    expect(vmPowerState('poweredOn', 'connected')).toBe('RUNNING');
    expect(vmPowerState('poweredOff', 'connected')).toBe('STOPPED');
    expect(vmPowerState('suspended', undefined)).toBe('SUSPENDED');
    expect(vmPowerState('poweredOn', 'disconnected')).toBe('UNKNOWN');
    expect(vmPowerState('poweredOn', 'orphaned')).toBe('UNKNOWN');
    expect(vmPowerState(undefined, 'connected')).toBe('UNKNOWN');
  });

  it('maps host connection states', () => {
    expect(connectionState('connected')).toBe('CONNECTED');
    expect(connectionState('disconnected')).toBe('DISCONNECTED');
    expect(connectionState('notResponding')).toBe('NOT_RESPONDING');
    expect(connectionState(undefined)).toBe('UNKNOWN');
  });
});
