import { documentedCliKeys } from '@haaas/testing';
import * as views from './views';

// the json/yaml keys scripts read: the code says exactly what apps/cli/README.md documents
const VIEWS: Record<string, views.View<never>> = {
  cluster: views.CLUSTER,
  node: views.NODE,
  resource: views.RESOURCE,
  service: views.SERVICE,
  'failover domain': views.FAILOVER_DOMAIN,
  'fencing device': views.FENCING_DEVICE,
  'fence agent': views.FENCE_AGENT,
  operation: views.OPERATION,
  incident: views.INCIDENT,
  event: views.EVENT,
  'tenant, quota': views.TENANT,
};

describe('output keys (apps/cli/README.md, "The keys of each object")', () => {
  const documented = documentedCliKeys();

  it('documents every object the CLI prints, and no other', () => {
    expect([...documented.keys()].sort()).toEqual(Object.keys(VIEWS).sort());
  });

  it.each(Object.entries(VIEWS))('%s: the list and show keys, in order, are the documented ones', (object, view) => {
    expect({ list: view.list.map(([key]) => key), show: view.show.map(([key]) => key) }).toEqual(documented.get(object));
  });

  it('every view of views.ts is in the table', () => {
    const exported = Object.values(views).filter((v) => typeof v === 'object' && 'list' in v);
    expect(exported.length).toBe(Object.keys(VIEWS).length);
  });
});
