import * as Ops from '../generated/graphql.js';
import { type ListOptions, Paginated, splitListParams } from '../paginate.js';
import type { RequestOptions } from '../transport.js';
import type { Operation, FailoverDomain, Service } from '../types.js';
import { type ActionOptions, type ForceOptions, Namespace } from './namespace.base.js';

/** Services: resource groups that start in order, stop in reverse and run together on one node. */
export class ServicesApi extends Namespace {
  async get(id: string, options?: RequestOptions): Promise<Service> {
    return (await this.request(Ops.GetServiceDocument, { id }, options)).service;
  }

  list(params?: Ops.ServiceFilter & ListOptions, options?: ListOptions): Paginated<Service> {
    const split = splitListParams<Ops.ServiceFilter>(params, options);
    return this.paginate(Ops.ListServicesDocument, { filter: split.filter }, (r) => r.services, split.options);
  }

  /** Creates a STOPPED service with its policy and resources (in start order). */
  async create(input: Ops.CreateServiceInput, options?: RequestOptions): Promise<Service> {
    return (await this.request(Ops.CreateServiceDocument, { input }, options)).createService;
  }

  /** Changes the HA policy; omitted fields keep their value. Priority: a HIGHER value recovers first. */
  async updatePolicy(input: Ops.UpdateServicePolicyInput, options?: RequestOptions): Promise<Service> {
    return (await this.request(Ops.UpdateServicePolicyDocument, { input }, options)).updateServicePolicy;
  }

  /** Adds a free resource of the same cluster at a start position (default last). */
  async addResource(input: Ops.AddServiceResourceInput, options?: RequestOptions): Promise<Service> {
    return (await this.request(Ops.AddServiceResourceDocument, { input }, options)).addServiceResource;
  }

  /** Takes a resource out of the service (the resource remains). */
  async removeResource(serviceId: string, resourceId: string, options?: RequestOptions): Promise<Service> {
    return (await this.request(Ops.RemoveServiceResourceDocument, { serviceId, resourceId }, options)).removeServiceResource;
  }

  async setAttributes(id: string, change: Ops.AttributeChangeInput, options?: RequestOptions): Promise<Service> {
    return (await this.request(Ops.SetServiceAttributesDocument, { id, change }, options)).setServiceAttributes;
  }

  /** Destroys a service (its resources are released, not deleted); CONFLICT unless STOPPED, DISABLED or FAILED, or `force`. */
  async destroy(id: string, options: ForceOptions = {}): Promise<Service> {
    return (await this.request(Ops.DestroyServiceDocument, { id, force: options.force ?? false }, options)).destroyService;
  }

  /** Starts the service (resources in order) where it runs or on the best node; never while a VM of it is active elsewhere. */
  start(id: string, options: ActionOptions = {}): Promise<Operation> {
    return this.act(Ops.StartServiceDocument, { id }, options, (r) => r.startService);
  }

  /** Stops the service (resources in reverse order, gracefully, then forced after its stop timeout). */
  stop(id: string, options: ActionOptions = {}): Promise<Operation> {
    return this.act(Ops.StopServiceDocument, { id }, options, (r) => r.stopService);
  }

  /** Stops the service and starts it again on the same node. */
  restart(id: string, options: ActionOptions = {}): Promise<Operation> {
    return this.act(Ops.RestartServiceDocument, { id }, options, (r) => r.restartService);
  }

  /** Moves the service to `targetNodeId` (placement must accept it), or to the best other node. */
  relocate(id: string, options: ActionOptions & { readonly targetNodeId?: string } = {}): Promise<Operation> {
    return this.act(Ops.RelocateServiceDocument, { id, targetNodeId: options.targetNodeId ?? null }, options, (r) => r.relocateService);
  }
}

/** Failover domains: prioritized node lists services run and fail over within. */
export class FailoverDomainsApi extends Namespace {
  async get(id: string, options?: RequestOptions): Promise<FailoverDomain> {
    return (await this.request(Ops.GetFailoverDomainDocument, { id }, options)).failoverDomain;
  }

  list(params?: Ops.FailoverDomainFilter & ListOptions, options?: ListOptions): Paginated<FailoverDomain> {
    const split = splitListParams<Ops.FailoverDomainFilter>(params, options);
    return this.paginate(Ops.ListFailoverDomainsDocument, { filter: split.filter }, (r) => r.failoverDomains, split.options);
  }

  /** Creates a domain; members are nodes of the same cluster, priority 1 the most preferred. */
  async create(input: Ops.CreateFailoverDomainInput, options?: RequestOptions): Promise<FailoverDomain> {
    return (await this.request(Ops.CreateFailoverDomainDocument, { input }, options)).createFailoverDomain;
  }

  /** Renames, changes flags or replaces the whole member list. */
  async update(input: Ops.UpdateFailoverDomainInput, options?: RequestOptions): Promise<FailoverDomain> {
    return (await this.request(Ops.UpdateFailoverDomainDocument, { input }, options)).updateFailoverDomain;
  }

  /** Deletes a domain; CONFLICT while a service uses it. */
  async delete(id: string, options?: RequestOptions): Promise<FailoverDomain> {
    return (await this.request(Ops.DeleteFailoverDomainDocument, { id }, options)).deleteFailoverDomain;
  }
}
