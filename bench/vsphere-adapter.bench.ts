/**
 * `node tools/run.js bench/vsphere-adapter.bench.ts [runs]`: latency of the vSphere adapter's
 * operations against vcsim, each next to the bare vim25 SOAP exchange that does the same work
 * (hand-written XML strings over one keep-alive HTTPS connection, a regex for the answer, task
 * polled in a tight loop), measured in the same run, so the ratio is the adapter's own cost:
 * XML DOM building and parsing, name → moref lookup, fault handling, task back-off.
 * Prints figures; asserts nothing about time.
 */
import { Agent, request } from 'node:https';
import { VsphereAdapter } from '@haaas/adapter-vsphere';
import { startVcsim } from '@haaas/adapter-vsphere/testing';

const RUNS = Number(process.argv[2] ?? 40);

/** The baseline: raw SOAP strings, nothing parsed but the one value needed. */
class BareSoap {
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 1, rejectUnauthorized: false });
  private cookie = '';

  constructor(private readonly url: string) {}

  async login(user: string, password: string): Promise<void> {
    const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
    const res = await this.post(`<Login xmlns="urn:vim25"><_this type="SessionManager">SessionManager</_this><userName>${esc(user)}</userName><password>${esc(password)}</password></Login>`);
    const cookie = /vmware_soap_session=[^;]+/.exec(res.cookies.join(';'))?.[0];
    if (!cookie) throw new Error('bare login failed');
    this.cookie = cookie;
  }

  call(body: string): Promise<string> {
    return this.post(body).then((r) => r.body);
  }

  /** Starts a task and polls its state until done, with no pause at all. */
  async task(body: string): Promise<string> {
    const started = await this.call(body);
    const task = /<returnval type="Task">([^<]+)</.exec(started)?.[1];
    if (!task) throw new Error(`no task: ${started.slice(0, 300)}`);
    for (;;) {
      const info = await this.call(props('Task', task, ['info.state']));
      const state = />(success|error|running|queued)</.exec(info)?.[1];
      if (state === 'success' || state === 'error') return state;
    }
  }

  close(): void {
    this.agent.destroy();
  }

  private post(body: string): Promise<{ body: string; cookies: string[] }> {
    const xml = `<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body>${body}</soapenv:Body></soapenv:Envelope>`;
    return new Promise((resolve, reject) => {
      const req = request(
        this.url,
        { method: 'POST', agent: this.agent, headers: { 'Content-Type': 'text/xml; charset=utf-8', SOAPAction: '"urn:vim25/6.5"', ...(this.cookie ? { Cookie: this.cookie } : {}) } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.once('end', () => resolve({ body: Buffer.concat(chunks).toString('utf8'), cookies: res.headers['set-cookie'] ?? [] }));
          res.once('error', reject);
        },
      );
      req.once('error', reject);
      req.end(xml);
    });
  }
}

const pc = '<_this type="PropertyCollector">propertyCollector</_this>';
function props(type: string, value: string, paths: string[]): string {
  return `<RetrievePropertiesEx xmlns="urn:vim25">${pc}<specSet><propSet><type>${type}</type>${paths.map((p) => `<pathSet>${p}</pathSet>`).join('')}</propSet><objectSet><obj type="${type}">${value}</obj></objectSet></specSet><options/></RetrievePropertiesEx>`;
}
function viewProps(view: string, type: string, paths: string[]): string {
  return `<RetrievePropertiesEx xmlns="urn:vim25">${pc}<specSet><propSet><type>${type}</type>${paths.map((p) => `<pathSet>${p}</pathSet>`).join('')}</propSet><objectSet><obj type="ContainerView">${view}</obj><skip>true</skip><selectSet xsi:type="TraversalSpec"><type>ContainerView</type><path>view</path></selectSet></objectSet></specSet><options/></RetrievePropertiesEx>`;
}
const vmTask = (method: string, vm: string, extra = ''): string => `<${method} xmlns="urn:vim25"><_this type="VirtualMachine">${vm}</_this>${extra}</${method}>`;

async function median(runs: number, fn: (i: number) => Promise<unknown>): Promise<number> {
  await fn(-1); // warm-up: connections, caches
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await fn(i);
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)] ?? Number.NaN;
}

async function main(): Promise<void> {
  const peer = await startVcsim({ log: () => undefined });
  const adapter = new VsphereAdapter();
  const h0 = adapter.connect(peer.endpoint('DC0_H0'));
  const bare = new BareSoap(peer.url);
  const o = (): { signal: AbortSignal } => ({ signal: AbortSignal.timeout(30_000) });
  try {
    await bare.login(peer.username, peer.password);
    const view = /<returnval type="ContainerView">([^<]+)</.exec(
      await bare.call(`<CreateContainerView xmlns="urn:vim25"><_this type="ViewManager">ViewManager</_this><container type="Folder">group-d1</container><type>VirtualMachine</type><recursive>true</recursive></CreateContainerView>`),
    )?.[1];
    const hostsXml = await bare.call(`<CreateContainerView xmlns="urn:vim25"><_this type="ViewManager">ViewManager</_this><container type="Folder">group-d1</container><type>HostSystem</type><recursive>true</recursive></CreateContainerView>`);
    const hostView = /<returnval type="ContainerView">([^<]+)</.exec(hostsXml)?.[1];
    if (!view || !hostView) throw new Error('no container views');
    const allVms = await bare.call(viewProps(view, 'VirtualMachine', ['name']));
    const moref = (name: string): string => {
      const m = new RegExp(`<obj type="VirtualMachine">([^<]+)</obj><propSet><name>name</name><val[^>]*>${name}<`).exec(allVms)?.[1];
      if (!m) throw new Error(`no moref for ${name}`);
      return m;
    };
    const hostRefs = await bare.call(viewProps(hostView, 'HostSystem', ['name']));
    const hostMoref = (name: string): string => new RegExp(`<obj type="HostSystem">([^<]+)</obj><propSet><name>name</name><val[^>]*>${name}<`).exec(hostRefs)?.[1] ?? '';
    const vm0 = moref('DC0_H0_VM0');
    const vm1 = moref('DC0_H0_VM1');
    const c0 = moref('DC0_C0_RP0_VM0');
    const [ha, hb] = [hostMoref('DC0_C0_H0'), hostMoref('DC0_C0_H1')];
    await h0.getVm('DC0_H0_VM0', o());
    const vmPaths = ['name', 'config.uuid', 'config.template', 'config.files.vmPathName', 'runtime.powerState', 'runtime.host', 'runtime.connectionState'];
    const hostPaths = ['name', 'parent', 'runtime.connectionState', 'runtime.inMaintenanceMode', 'runtime.powerState', 'summary.config.product.fullName'];

    const rows: { op: string; adapter: number; bare: number; what: string }[] = [];
    const measure = async (op: string, what: string, viaAdapter: (i: number) => Promise<unknown>, viaBare: (i: number) => Promise<unknown>): Promise<void> => {
      // alternate which side goes first, so neither always runs on a simulator warmed by the other
      const bareFirst = rows.length % 2 === 0;
      const first = await median(RUNS, bareFirst ? viaBare : viaAdapter);
      const second = await median(RUNS, bareFirst ? viaAdapter : viaBare);
      rows.push({ op, adapter: bareFirst ? second : first, bare: bareFirst ? first : second, what });
    };

    await measure('probe', 'RetrievePropertiesEx of the host (6 paths)', () => h0.probe(o()), () => bare.call(props('HostSystem', hostMoref('DC0_H0'), hostPaths)));
    await measure('listVms', 'RetrievePropertiesEx over the VM container view (7 paths, 8 VMs)', () => h0.listVms(o()), () => bare.call(viewProps(view, 'VirtualMachine', vmPaths)));
    await measure('getVm', 'RetrievePropertiesEx of the VM (7 paths)', () => h0.getVm('DC0_H0_VM0', o()), () => bare.call(props('VirtualMachine', vm0, vmPaths)));
    await measure('exportVm', 'RetrievePropertiesEx of config.files.vmPathName', () => h0.exportVm('DC0_H0_VM0', o()), () => bare.call(props('VirtualMachine', vm0, ['config.files.vmPathName'])));
    await measure('startVm (already on)', 'PowerOnVM_Task + poll to error', () => h0.startVm('DC0_H0_VM0', o()), () => bare.task(vmTask('PowerOnVM_Task', vm0)));
    await measure(
      'stopVm + startVm',
      'PowerOffVM_Task + poll, PowerOnVM_Task + poll',
      async () => {
        await h0.stopVm('DC0_H0_VM1', { ...o(), gracefulTimeoutMs: 0 });
        await h0.startVm('DC0_H0_VM1', o());
      },
      async () => {
        await bare.task(vmTask('PowerOffVM_Task', vm1));
        await bare.task(vmTask('PowerOnVM_Task', vm1));
      },
    );
    await measure('rebootVm', 'ResetVM_Task + poll', () => h0.rebootVm('DC0_H0_VM1', o()), () => bare.task(vmTask('ResetVM_Task', vm1)));
    await measure(
      'migrateVm (there and back)',
      'RelocateVM_Task + poll, twice',
      async () => {
        await h0.migrateVm('DC0_C0_RP0_VM0', 'DC0_C0_H1', o());
        await h0.migrateVm('DC0_C0_RP0_VM0', 'DC0_C0_H0', o());
      },
      async () => {
        await bare.task(vmTask('RelocateVM_Task', c0, `<spec><host type="HostSystem">${hb}</host></spec>`));
        await bare.task(vmTask('RelocateVM_Task', c0, `<spec><host type="HostSystem">${ha}</host></spec>`));
      },
    );

    console.log(`vSphere adapter vs bare vim25 SOAP, vcsim ${peer.url}, median of ${RUNS} runs (ms)`);
    console.log(`${'operation'.padEnd(28)} ${'adapter'.padStart(8)} ${'bare'.padStart(8)} ${'ratio'.padStart(7)}  bare exchange`);
    for (const r of rows) {
      console.log(`${r.op.padEnd(28)} ${r.adapter.toFixed(2).padStart(8)} ${r.bare.toFixed(2).padStart(8)} ${(r.adapter / r.bare).toFixed(2).padStart(6)}x  ${r.what}`);
    }
  } finally {
    bare.close();
    await h0.close();
    await peer.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
