import { Inject, Injectable } from '@nestjs/common';
import {
  BadInputError,
  checkFencingLevel,
  checkName,
  ConflictError,
  FENCE_AGENT_PATTERN,
  Hypervisor,
  isSecretOption,
  NotFoundError,
  Problems,
  TenantScope,
} from '@haaas/domain';
import type { FieldProblem } from '@haaas/domain';
import { isDuplicateKey, Store } from '@haaas/persistence';
import type { FencingAssociationEntity, FencingDeviceEntity, NodeEntity, Page, PageArgs, Where } from '@haaas/persistence';
import { appendEvent, snapshot } from '../event-log';
import { SECRET_SEALER } from '../management.tokens';
import type { SecretSealer } from '../management.tokens';
import { FENCE_AGENT_CATALOG } from './fence-agent.catalog';
import type { FenceAgentCatalog, FenceAgentOptionRef } from './fence-agent.catalog';
import {
  applyFencingOptionChange,
  checkFencingOptionChange,
  FencingOptionChange,
  FencingOptionValue,
  splitFencingOptions,
  touchesSecrets,
} from './fencing-options.rules';
import {
  fencingAssociationSecretContext,
  fencingDeviceSecretContext,
  fencingSecretOptionKeys,
  openFencingSecrets,
  sealFencingSecrets,
} from './sealed-options.codec';

export interface AddFencingDevice {
  readonly clusterId: string;
  readonly name: string;
  readonly agent: string;
  readonly options?: readonly FencingOptionValue[];
  readonly secretOptions?: readonly FencingOptionValue[];
}

export interface SetFencingDeviceOptions extends FencingOptionChange {
  readonly id: string;
}

export interface AssociateFencingDevice {
  readonly deviceId: string;
  readonly nodeId: string;
  readonly level: number;
  readonly options?: readonly FencingOptionValue[];
  readonly secretOptions?: readonly FencingOptionValue[];
}

export interface FencingDeviceFilter {
  readonly clusterId?: string | null;
  readonly agent?: string | null;
}

/** One level of a node's fencing topology: its devices are tried together, all must succeed. */
export interface FencingLevelRecord {
  readonly level: number;
  readonly associations: FencingAssociationEntity[];
}

/** The hypervisor each built-in agent fences through. */
const BUILTIN_HYPERVISOR: Readonly<Record<string, Hypervisor>> = {
  'builtin:vsphere': Hypervisor.VSPHERE,
  'builtin:libvirt': Hypervisor.KVM,
  'builtin:hyperv': Hypervisor.HYPERV,
};

/** A device or association for the log: options, names of secret options, never a secret. */
export function fencingSnapshot(row: FencingDeviceEntity | FencingAssociationEntity): Record<string, unknown> {
  return { ...snapshot(row, ['secretOptions']), secretOptionKeys: fencingSecretOptionKeys(row.secretOptions) };
}

function optionRefs(options: readonly FencingOptionValue[], field: string, secret: boolean): FenceAgentOptionRef[] {
  return options.map((o, i) => {
    const isSecret = secret || isSecretOption(o.key);
    return isSecret ? { key: o.key, field: `${field}[${i}].key`, secret: true } : { key: o.key, field: `${field}[${i}].key`, secret: false, value: o.value };
  });
}

function byLevelThenId(a: FencingAssociationEntity, b: FencingAssociationEntity): number {
  return a.level - b.level || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/**
 * Fencing devices (fence-agents semantics) and their associations with nodes: the fencing
 * topology. Secret options are sealed with the SecretSealer and never returned, logged or
 * written to the cluster log; only their names are shown.
 */
@Injectable()
export class FencingDeviceService {
  constructor(
    private readonly store: Store,
    @Inject(SECRET_SEALER) private readonly sealer: SecretSealer,
    @Inject(FENCE_AGENT_CATALOG) private readonly catalog: FenceAgentCatalog,
  ) {}

  get(scope: TenantScope, id: string): Promise<FencingDeviceEntity> {
    return this.store.repos.fencingDevices.get(scope, id);
  }

  byIds(scope: TenantScope, ids: readonly string[]): Promise<FencingDeviceEntity[]> {
    return this.store.repos.fencingDevices.findByIds(scope, ids);
  }

  page(scope: TenantScope, filter: FencingDeviceFilter, args: PageArgs): Promise<Page<FencingDeviceEntity>> {
    const where: Where<FencingDeviceEntity> = {};
    if (filter.clusterId) where.clusterId = filter.clusterId;
    if (filter.agent) where.agent = filter.agent;
    return this.store.repos.fencingDevices.page(scope, where, args);
  }

  /** The first page of devices of many clusters in two statements (for `Cluster.fencingDevices`). */
  async byClusters(scope: TenantScope, clusterIds: readonly string[], args: PageArgs): Promise<Page<FencingDeviceEntity>[]> {
    const pages = await this.store.repos.fencingDevices.pageByParent(scope, 'clusterId', clusterIds, args);
    return clusterIds.map((id) => pages.get(id) ?? { rows: [], hasNextPage: false });
  }

  /** Associations of many devices in one statement, each list by level (then creation). */
  async associationsOfDevices(scope: TenantScope, deviceIds: readonly string[]): Promise<FencingAssociationEntity[][]> {
    const rows = await this.store.repos.fencingAssociations.findIn(scope, 'deviceId', deviceIds);
    return deviceIds.map((id) => rows.filter((r) => r.deviceId === id).sort(byLevelThenId));
  }

  /** Fencing topologies of many nodes in one statement: levels in order, each with its devices. */
  async topologyOfNodes(scope: TenantScope, nodeIds: readonly string[]): Promise<FencingLevelRecord[][]> {
    const rows = await this.store.repos.fencingAssociations.findIn(scope, 'nodeId', nodeIds);
    return nodeIds.map((nodeId) => {
      const levels = new Map<number, FencingAssociationEntity[]>();
      for (const r of rows.filter((a) => a.nodeId === nodeId).sort(byLevelThenId)) {
        const list = levels.get(r.level) ?? [];
        list.push(r);
        levels.set(r.level, list);
      }
      return [...levels.entries()].sort(([a], [b]) => a - b).map(([level, associations]) => ({ level, associations }));
    });
  }

  /** Nodes by id (for `FencingAssociation.node`), one statement for many. */
  nodesByIds(scope: TenantScope, ids: readonly string[]): Promise<NodeEntity[]> {
    return this.store.repos.nodes.findByIds(scope, ids);
  }

  async add(scope: TenantScope, input: AddFencingDevice): Promise<FencingDeviceEntity> {
    const p = new Problems();
    checkName(p, 'name', input.name);
    const agentOk = FENCE_AGENT_PATTERN.test(input.agent);
    p.check(agentOk, 'agent', 'must be a fence agent (fence_<name>, e.g. fence_ipmilan) or builtin:vsphere, builtin:libvirt or builtin:hyperv');
    const sets = splitFencingOptions(p, input.options ?? [], input.secretOptions ?? []);
    if (agentOk) {
      await this.checkWithCatalog(p, input.agent, 'agent', 'device', [
        ...optionRefs(input.options ?? [], 'options', false),
        ...optionRefs(input.secretOptions ?? [], 'secretOptions', true),
      ]);
    }
    p.throwIfAny();
    return this.store.transaction(async (repos) => {
      const cluster = await repos.clusters.findById(scope, input.clusterId);
      if (!cluster) throw BadInputError.of('clusterId', 'no such cluster');
      const builtinFor = BUILTIN_HYPERVISOR[input.agent];
      if (builtinFor !== undefined && builtinFor !== cluster.hypervisor) {
        throw BadInputError.of('agent', `${input.agent} fences through the hypervisor manager of ${builtinFor} clusters; this cluster is ${cluster.hypervisor}`);
      }
      const conflict = () => new ConflictError(`a fencing device named "${input.name}" already exists in this cluster`, { name: input.name });
      if (await repos.fencingDevices.exists(scope, { clusterId: cluster.id, name: input.name })) throw conflict();
      const created = await repos.fencingDevices
        .create(scope, { clusterId: cluster.id, name: input.name, agent: input.agent, options: { ...sets.options }, secretOptions: null })
        .catch((err: unknown) => {
          if (isDuplicateKey(err)) throw conflict();
          throw err;
        });
      // the sealing context names the row, so the id must exist first: insert, seal, save
      const sealed = sealFencingSecrets(this.sealer, fencingDeviceSecretContext(scope.tenantId, created.id), sets.secrets);
      const device = sealed === null ? created : await repos.fencingDevices.save(scope, Object.assign(created, { secretOptions: sealed }));
      await appendEvent(repos, scope, {
        clusterId: device.clusterId,
        type: 'fencing_device.added',
        objectType: 'FencingDevice',
        objectId: device.id,
        after: fencingSnapshot(device),
      });
      return device;
    });
  }

  /** Deletes a device and its associations (each logged as a deassociation of its node). Returns it as it was. */
  async delete(scope: TenantScope, id: string): Promise<FencingDeviceEntity> {
    return this.store.transaction(async (repos) => {
      const device = await repos.fencingDevices.lock(scope, id);
      const associations = await repos.fencingAssociations.find(scope, { deviceId: id });
      await repos.fencingDevices.delete(scope, { id });
      for (const a of associations.sort(byLevelThenId)) {
        await appendEvent(repos, scope, {
          clusterId: device.clusterId,
          type: 'fencing_device.deassociated',
          objectType: 'FencingDevice',
          objectId: device.id,
          nodeId: a.nodeId,
          before: fencingSnapshot(a),
          message: `fencing device "${device.name}" deleted`,
        });
      }
      await appendEvent(repos, scope, {
        clusterId: device.clusterId,
        type: 'fencing_device.deleted',
        objectType: 'FencingDevice',
        objectId: device.id,
        before: fencingSnapshot(device),
      });
      return device;
    });
  }

  async setOptions(scope: TenantScope, input: SetFencingDeviceOptions): Promise<FencingDeviceEntity> {
    const p = new Problems();
    checkFencingOptionChange(p, input);
    p.throwIfAny();
    // the agent never changes, so the catalog can be asked before the transaction holds a lock
    const { agent } = await this.get(scope, input.id);
    await this.checkWithCatalog(p, agent, 'id', 'device', [...optionRefs(input.set ?? [], 'set', false), ...optionRefs(input.setSecrets ?? [], 'setSecrets', true)]);
    p.throwIfAny();
    return this.store.transaction(async (repos) => {
      const device = await repos.fencingDevices.lock(scope, input.id);
      const context = fencingDeviceSecretContext(scope.tenantId, device.id);
      const storedKeys = fencingSecretOptionKeys(device.secretOptions);
      const secretsTouched = touchesSecrets(input, storedKeys);
      // untouched secrets stay sealed: their names (known without decrypting) suffice for the count check
      const secrets = secretsTouched ? openFencingSecrets(this.sealer, context, device.secretOptions) : Object.fromEntries(storedKeys.map((k) => [k, '']));
      const current = { options: device.options, secrets };
      const applied = applyFencingOptionChange(p, current, input);
      p.throwIfAny();
      if (!applied.optionsChanged && applied.changedSecretKeys.length === 0) return device;
      const before = { options: device.options, secretOptionKeys: storedKeys };
      device.options = { ...applied.options };
      if (secretsTouched) device.secretOptions = sealFencingSecrets(this.sealer, context, applied.secrets);
      const saved = await repos.fencingDevices.save(scope, device);
      await appendEvent(repos, scope, {
        clusterId: saved.clusterId,
        type: 'fencing_device.options_changed',
        objectType: 'FencingDevice',
        objectId: saved.id,
        before,
        after: { options: saved.options, secretOptionKeys: fencingSecretOptionKeys(saved.secretOptions), changedSecretOptionKeys: applied.changedSecretKeys },
        message: applied.changedSecretKeys.length > 0 ? `secret options changed: ${applied.changedSecretKeys.join(', ')}` : null,
      });
      return saved;
    });
  }

  /** Adds a device to a node's fencing topology at a level, with per-node options (plug, port). */
  async associate(scope: TenantScope, input: AssociateFencingDevice): Promise<FencingAssociationEntity> {
    const p = new Problems();
    checkFencingLevel(p, 'level', input.level);
    const sets = splitFencingOptions(p, input.options ?? [], input.secretOptions ?? []);
    p.throwIfAny();
    const { agent } = await this.get(scope, input.deviceId);
    await this.checkWithCatalog(p, agent, 'deviceId', 'association', [
      ...optionRefs(input.options ?? [], 'options', false),
      ...optionRefs(input.secretOptions ?? [], 'secretOptions', true),
    ]);
    p.throwIfAny();
    return this.store.transaction(async (repos) => {
      const device = await repos.fencingDevices.lock(scope, input.deviceId);
      const node = await repos.nodes.findById(scope, input.nodeId);
      if (!node || node.clusterId !== device.clusterId) throw BadInputError.of('nodeId', "must be a node of the fencing device's cluster");
      const conflict = () => new ConflictError(`fencing device "${device.name}" already fences node ${node.hostname}`, { deviceId: device.id, nodeId: node.id });
      if (await repos.fencingAssociations.exists(scope, { deviceId: device.id, nodeId: node.id })) throw conflict();
      const created = await repos.fencingAssociations
        .create(scope, { deviceId: device.id, nodeId: node.id, level: input.level, options: { ...sets.options }, secretOptions: null })
        .catch((err: unknown) => {
          if (isDuplicateKey(err)) throw conflict();
          throw err;
        });
      const sealed = sealFencingSecrets(this.sealer, fencingAssociationSecretContext(scope.tenantId, created.id), sets.secrets);
      const association = sealed === null ? created : await repos.fencingAssociations.save(scope, Object.assign(created, { secretOptions: sealed }));
      await appendEvent(repos, scope, {
        clusterId: device.clusterId,
        type: 'fencing_device.associated',
        objectType: 'FencingDevice',
        objectId: device.id,
        nodeId: node.id,
        after: fencingSnapshot(association),
      });
      return association;
    });
  }

  /** Removes a device from a node's fencing topology. Returns the association as it was. */
  async deassociate(scope: TenantScope, deviceId: string, nodeId: string): Promise<FencingAssociationEntity> {
    return this.store.transaction(async (repos) => {
      const device = await repos.fencingDevices.lock(scope, deviceId);
      const association = await repos.fencingAssociations.findOne(scope, { deviceId: device.id, nodeId });
      if (!association) throw new NotFoundError('FencingAssociation', `of device ${deviceId} and node ${nodeId}`);
      await repos.fencingAssociations.delete(scope, { id: association.id });
      await appendEvent(repos, scope, {
        clusterId: device.clusterId,
        type: 'fencing_device.deassociated',
        objectType: 'FencingDevice',
        objectId: device.id,
        nodeId,
        before: fencingSnapshot(association),
      });
      return association;
    });
  }

  private async checkWithCatalog(p: Problems, agent: string, agentField: string, target: 'device' | 'association', options: FenceAgentOptionRef[]): Promise<void> {
    const problems: readonly FieldProblem[] = await this.catalog.check({ agent, agentField, target, options });
    for (const problem of problems) p.add(problem.field, problem.message);
  }
}
