import { XMLParser, XMLValidator } from 'fast-xml-parser';

/** What a VM takes from a host, for placement. */
export interface VmSize {
  readonly cpus: number;
  readonly memoryMb: number;
}

export const NO_SIZE: VmSize = { cpus: 0, memoryMb: 0 };

const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@', parseTagValue: false });

const UNIT_TO_MB: Readonly<Record<string, number>> = {
  b: 1 / (1024 * 1024),
  bytes: 1 / (1024 * 1024),
  k: 1 / 1024,
  kib: 1 / 1024,
  kb: 1000 / (1024 * 1024),
  m: 1,
  mib: 1,
  mb: 1_000_000 / (1024 * 1024),
  g: 1024,
  gib: 1024,
  gb: 1_000_000_000 / (1024 * 1024),
  t: 1024 * 1024,
  tib: 1024 * 1024,
  tb: 1_000_000_000_000 / (1024 * 1024),
};

function text(node: unknown): string | undefined {
  if (typeof node === 'string') return node.trim();
  if (node && typeof node === 'object' && '#text' in node) {
    const t = (node as Record<string, unknown>)['#text'];
    return typeof t === 'string' ? t.trim() : undefined;
  }
  return undefined;
}

/**
 * The size of a VM as its kept libvirt definition says (`<vcpu>`, `<memory unit=…>`, libvirt's
 * default unit being KiB). Other formats (a .vmx path, a Hyper-V config path) carry no size: null.
 * A library parser rather than a pattern: definitions come from hypervisors we do not control.
 */
export function sizeFromDefinition(format: string | null | undefined, data: string | null | undefined): VmSize | null {
  if (format !== 'libvirt-xml' || !data) return null;
  // the parser is lenient with truncated documents; a definition that is not well-formed says nothing
  if (XMLValidator.validate(data) !== true) return null;
  let doc: unknown;
  try {
    doc = parser.parse(data);
  } catch {
    return null;
  }
  const domain = (doc as Record<string, unknown> | null)?.['domain'];
  if (!domain || typeof domain !== 'object') return null;
  const d = domain as Record<string, unknown>;
  const cpus = Number.parseInt(text(d['vcpu']) ?? '', 10);
  const memoryNode = d['memory'];
  const amount = Number.parseInt(text(memoryNode) ?? '', 10);
  const unitRaw = memoryNode && typeof memoryNode === 'object' ? (memoryNode as Record<string, unknown>)['@unit'] : undefined;
  const unit = (typeof unitRaw === 'string' ? unitRaw : 'KiB').toLowerCase();
  const factor = UNIT_TO_MB[unit];
  return {
    cpus: Number.isFinite(cpus) && cpus > 0 ? cpus : 0,
    memoryMb: Number.isFinite(amount) && amount > 0 && factor !== undefined ? Math.ceil(amount * factor) : 0,
  };
}

/**
 * The size of a VM resource: its `cpus` / `memoryMb` attributes when an operator set them, else
 * the size recorded with its kept definition (`vmCpus`/`vmMemoryMb`), else what the definition
 * itself says (a definition kept before sizes were recorded), else nothing (placement then checks
 * no capacity for it).
 */
export function vmSizeOf(resource: {
  readonly attributes: Readonly<Record<string, string>>;
  readonly vmCpus?: number | null;
  readonly vmMemoryMb?: number | null;
  readonly vmDefinition?: string | null;
  readonly vmDefinitionFormat?: string | null;
}): VmSize {
  const recorded = resource.vmCpus != null || resource.vmMemoryMb != null ? { cpus: resource.vmCpus ?? 0, memoryMb: resource.vmMemoryMb ?? 0 } : null;
  const fromDefinition = recorded ?? sizeFromDefinition(resource.vmDefinitionFormat, resource.vmDefinition) ?? NO_SIZE;
  const attr = (key: string): number | undefined => {
    const raw = resource.attributes[key];
    if (raw === undefined || !/^\d+$/.test(raw.trim())) return undefined;
    return Number(raw.trim());
  };
  return { cpus: attr('cpus') ?? fromDefinition.cpus, memoryMb: attr('memoryMb') ?? fromDefinition.memoryMb };
}
