import * as Ops from '../generated/graphql.js';
import { type ListOptions, Paginated, splitListParams } from '../paginate.js';
import type { RequestOptions } from '../transport.js';
import type { FenceAgent, FencingAssociation, FencingDevice, FencingTestResult } from '../types.js';
import { Namespace } from './namespace.base.js';

/** Fencing devices and their place in the fencing topology of nodes. */
export class FencingDevicesApi extends Namespace {
  async get(id: string, options?: RequestOptions): Promise<FencingDevice> {
    return (await this.request(Ops.GetFencingDeviceDocument, { id }, options)).fencingDevice;
  }

  list(params?: Ops.FencingDeviceFilter & ListOptions, options?: ListOptions): Paginated<FencingDevice> {
    const split = splitListParams<Ops.FencingDeviceFilter>(params, options);
    return this.paginate(Ops.ListFencingDevicesDocument, { filter: split.filter }, (r) => r.fencingDevices, split.options);
  }

  /** Adds a device to a cluster, validated against its agent's metadata; secret options are never returned. */
  async add(input: Ops.AddFencingDeviceInput, options?: RequestOptions): Promise<FencingDevice> {
    return (await this.request(Ops.AddFencingDeviceDocument, { input }, options)).addFencingDevice;
  }

  /** Sets and removes options and secret options, together. */
  async setOptions(input: Ops.SetFencingDeviceOptionsInput, options?: RequestOptions): Promise<FencingDevice> {
    return (await this.request(Ops.SetFencingDeviceOptionsDocument, { input }, options)).setFencingDeviceOptions;
  }

  /** Deletes a device and removes it from every node's topology. */
  async delete(id: string, options?: RequestOptions): Promise<FencingDevice> {
    return (await this.request(Ops.DeleteFencingDeviceDocument, { id }, options)).deleteFencingDevice;
  }

  /** Puts the device in a node's fencing topology at a level (1 is tried first); CONFLICT if it already fences that node. */
  async associate(input: Ops.AssociateFencingDeviceInput, options?: RequestOptions): Promise<FencingAssociation> {
    return (await this.request(Ops.AssociateFencingDeviceDocument, { input }, options)).associateFencingDevice;
  }

  /** Takes the device out of a node's fencing topology. */
  async deassociate(deviceId: string, nodeId: string, options?: RequestOptions): Promise<FencingAssociation> {
    return (await this.request(Ops.DeassociateFencingDeviceDocument, { deviceId, nodeId }, options)).deassociateFencingDevice;
  }

  /** Tests without fencing: `status` of a node it fences, or `monitor` of the device when no node is given. */
  async test(id: string, options: RequestOptions & { readonly nodeId?: string } = {}): Promise<FencingTestResult> {
    return (await this.request(Ops.TestFencingDeviceDocument, { id, nodeId: options.nodeId ?? null }, options)).testFencingDevice;
  }
}

/** Fencing device types: the installed fence agents and the built-in ones. */
export class FenceAgentsApi extends Namespace {
  /** Every type available (not paged: a fixed, short list). */
  async list(options?: RequestOptions): Promise<FenceAgent[]> {
    return (await this.request(Ops.ListFenceAgentsDocument, {}, options)).fenceAgents;
  }

  /** One type with its parameters, e.g. `fence_ipmilan` or `builtin:libvirt`. */
  async get(name: string, options?: RequestOptions): Promise<FenceAgent> {
    return (await this.request(Ops.GetFenceAgentDocument, { name }, options)).fenceAgent;
  }
}
