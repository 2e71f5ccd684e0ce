import { Hypervisor } from '@haaas/domain';
import { AdapterError, type HostWatchingAdapter, type HypervisorAdapter, type HypervisorEndpoint } from '@haaas/hypervisor';
import { SoapClient } from './soap.client';
import { VcenterHostWatch, type VcenterHostWatchOptions } from './vcenter-host.watch';
import { VsphereHost } from './vsphere.host';

export interface VsphereAdapterOptions {
  /** CAs (PEM) trusted for vCenter/ESXi certificates besides the system's. */
  readonly ca?: string;
  /** Tuning of the host watch (the manager heartbeat channel). */
  readonly watch?: Omit<VcenterHostWatchOptions, 'secrets'>;
}

/**
 * vSphere through the vim25 SOAP API of a vCenter or an ESXi host (`https://vcenter/sdk`). The
 * node's `host` names its ESXi host in the inventory; the credentials are a vSphere user's.
 */
export class VsphereAdapter implements HypervisorAdapter, HostWatchingAdapter {
  readonly hypervisor = Hypervisor.VSPHERE;

  constructor(private readonly options: VsphereAdapterOptions = {}) {}

  /** One long-poll of every host of the vCenter (its own session): the manager heartbeat channel. */
  watchHosts(endpoint: HypervisorEndpoint): VcenterHostWatch {
    return new VcenterHostWatch(this.client(endpoint), { ...this.options.watch, secrets: [endpoint.password ?? ''] });
  }

  connect(endpoint: HypervisorEndpoint): VsphereHost {
    return new VsphereHost(this.client(endpoint), endpoint.host ?? undefined, [endpoint.password ?? '']);
  }

  private client(endpoint: HypervisorEndpoint): SoapClient {
    const url = sdkUrl(endpoint.uri);
    if (!endpoint.username || !endpoint.password) {
      throw new AdapterError('AUTH_FAILED', 'connect: a vSphere endpoint needs a username and a password', 'connect');
    }
    return new SoapClient({ url, username: endpoint.username, password: endpoint.password, insecureTls: endpoint.insecureTls === true, ca: this.options.ca });
  }
}

/** `https://vc.example` or `https://vc.example/sdk` → `https://vc.example/sdk`; only https (the session cookie and password travel in it). */
export function sdkUrl(uri: string): URL {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    // the URI is not echoed: a malformed one may still carry a password
    throw new AdapterError('UNSUPPORTED', 'connect: the endpoint URI is not a URL', 'connect');
  }
  if (url.protocol !== 'https:') throw new AdapterError('UNSUPPORTED', `connect: vSphere endpoints are https, not ${url.protocol}`, 'connect');
  if (url.username || url.password) throw new AdapterError('UNSUPPORTED', 'connect: put credentials in username/password, not in the URI', 'connect');
  if (url.pathname === '/' || url.pathname === '') url.pathname = '/sdk';
  url.hash = '';
  return url;
}
