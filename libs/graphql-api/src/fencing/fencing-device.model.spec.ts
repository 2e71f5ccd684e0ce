import type { FencingAssociationRecord, FencingDeviceRecord } from '@haaas/management';
import { toFencingAssociation, toFencingDevice } from './fencing-device.model';

const sealed = JSON.stringify({ v: 1, keys: ['password', 'identity_file'], sealed: 'v1.k1.iv.tag.CIPHERTEXT' });
const at = new Date('2026-11-21T00:00:00Z');

describe('fencing mappers', () => {
  it('map a device without its sealed column: names only, options sorted', () => {
    const row = {
      id: 'd1',
      tenantId: 'alice',
      clusterId: 'c1',
      name: 'bmc',
      agent: 'fence_ipmilan',
      options: { username: 'admin', ip: '10.0.0.1' },
      secretOptions: sealed,
      createdAt: at,
      updatedAt: at,
      version: 2,
    } as unknown as FencingDeviceRecord;
    const device = toFencingDevice(row);
    expect(device).toEqual({
      id: 'd1',
      clusterId: 'c1',
      name: 'bmc',
      agent: 'fence_ipmilan',
      options: [
        { key: 'ip', value: '10.0.0.1' },
        { key: 'username', value: 'admin' },
      ],
      secretOptionKeys: ['identity_file', 'password'],
      createdAt: at,
      updatedAt: at,
    });
    expect(JSON.stringify(device)).not.toContain('CIPHERTEXT');
  });

  it('map an association without secrets', () => {
    const row = { id: 'a1', deviceId: 'd1', nodeId: 'n1', level: 2, options: { plug: '4' }, secretOptions: null, createdAt: at, updatedAt: at } as unknown as FencingAssociationRecord;
    expect(toFencingAssociation(row)).toEqual({ id: 'a1', deviceId: 'd1', nodeId: 'n1', level: 2, options: [{ key: 'plug', value: '4' }], secretOptionKeys: [], createdAt: at, updatedAt: at });
  });
});
