import { parseDomainXml, parseDomInfo, parseDomState, parseEventLine, parseListTable, parseUuidNameList, parseVersion, powerState } from './virsh.parse';

describe('virsh output parsing', () => {
  it('maps every virsh state word to a power state', () => {
    expect(powerState('running')).toBe('RUNNING');
    expect(powerState('idle')).toBe('RUNNING');
    expect(powerState('in shutdown')).toBe('RUNNING');
    expect(powerState('paused')).toBe('PAUSED');
    expect(powerState('pmsuspended')).toBe('SUSPENDED');
    expect(powerState('shut off')).toBe('STOPPED');
    expect(powerState('crashed')).toBe('CRASHED');
    expect(powerState('no state')).toBe('UNKNOWN');
    expect(powerState('something new')).toBe('UNKNOWN');
  });

  it('reads domstate with and without a reason', () => {
    expect(parseDomState('running\n\n')).toEqual({ state: 'RUNNING', word: 'running' });
    expect(parseDomState('shut off (destroyed)\n')).toEqual({ state: 'STOPPED', word: 'shut off', reason: 'destroyed' });
  });

  it('reads list --all with and without header, names with spaces, quotes and two-word states', () => {
    const withHeader = [' Id   Name        State', '----------------------------', ' 3    test        running', ' -    my vm \'q"   shut off', ' 12   in shutdown   in shutdown', ''].join('\n');
    expect(parseListTable(withHeader)).toEqual([
      { id: 3, name: 'test', state: 'RUNNING' },
      { name: 'my vm \'q"', state: 'STOPPED' },
      { id: 12, name: 'in shutdown', state: 'RUNNING' },
    ]);
    // -q drops the header
    expect(parseListTable(' 1   test   paused\n -   vm-é   pmsuspended\n')).toEqual([
      { id: 1, name: 'test', state: 'PAUSED' },
      { name: 'vm-é', state: 'SUSPENDED' },
    ]);
    expect(parseListTable('')).toEqual([]);
  });

  it('reads list --uuid --name pairs, the name being the rest of the line', () => {
    const map = parseUuidNameList('6695eb01-f6a4-8304-79aa-97f2502e193f test\n1533CFD5-f1bc-4b9f-a838-2fe94859ba05 my vm \'q"\n\n');
    expect([...map]).toEqual([
      ['test', '6695eb01-f6a4-8304-79aa-97f2502e193f'],
      ['my vm \'q"', '1533cfd5-f1bc-4b9f-a838-2fe94859ba05'],
    ]);
  });

  it('reads dominfo of a running and of a stopped domain', () => {
    const running = 'Id:             1\nName:           test\nUUID:           6695eb01-f6a4-8304-79aa-97f2502e193f\nOS Type:        linux\nState:          running\nPersistent:     yes\nSecurity DOI:   \n';
    expect(parseDomInfo(running)).toEqual({ id: 1, name: 'test', uuid: '6695eb01-f6a4-8304-79aa-97f2502e193f', state: 'RUNNING', persistent: true });
    const stopped = 'Id:             -\nName:           a: b\nUUID:           1533cfd5-f1bc-4b9f-a838-2fe94859ba05\nState:          shut off\nPersistent:     no\n';
    expect(parseDomInfo(stopped)).toEqual({ name: 'a: b', uuid: '1533cfd5-f1bc-4b9f-a838-2fe94859ba05', state: 'STOPPED', persistent: false });
    expect(() => parseDomInfo('garbage')).toThrow(/Name/);
  });

  it('reads version --daemon', () => {
    const out = 'Compiled against library: libvirt 9.0.0\nUsing library: libvirt 9.0.0\nUsing API: TEST 9.0.0\nRunning hypervisor: TEST 0.0.2\nRunning against daemon: 9.0.0\n';
    expect(parseVersion(out)).toEqual({ compiledAgainst: 'libvirt 9.0.0', library: 'libvirt 9.0.0', api: 'TEST 9.0.0', hypervisor: 'TEST 0.0.2', daemon: '9.0.0' });
  });

  it('reads name, uuid and type of a domain XML, entities resolved', () => {
    const xml = `<?xml version="1.0"?>\n<!-- c --><domain type='test' id='1'>\n  <name>a &amp; b&apos;s</name>\n  <uuid>6695EB01-f6a4-8304-79aa-97f2502e193f</uuid>\n</domain>`;
    expect(parseDomainXml(xml)).toEqual({ name: "a & b's", uuid: '6695eb01-f6a4-8304-79aa-97f2502e193f', type: 'test' });
    expect(parseDomainXml('<domain type="kvm"><name>x</name></domain>')).toEqual({ name: 'x', type: 'kvm' });
    expect(() => parseDomainXml('<domain><name>x</name>')).toThrow(/well-formed/);
    expect(() => parseDomainXml('<network><name>x</name></network>')).toThrow(/domain/);
    expect(() => parseDomainXml('<domain type="kvm"></domain>')).toThrow(/name/);
  });

  it('reads lifecycle and reboot event lines, timestamps included', () => {
    const e = parseEventLine("2026-11-21 23:48:12.471+0000: event 'lifecycle' for domain 'test': Stopped Destroyed");
    expect(e).toEqual({ vm: 'test', event: 'Stopped', detail: 'Destroyed', at: new Date('2026-11-21T23:48:12.471Z') });
    expect(parseEventLine("event 'lifecycle' for domain 'it's: x': Started Booted")).toMatchObject({ vm: "it's: x", event: 'Started', detail: 'Booted' });
    expect(parseEventLine("2026-11-21 23:48:12.471+0100: event 'reboot' for domain 'r'")).toEqual({ vm: 'r', event: 'Rebooted', detail: '', at: new Date('2026-11-21T22:48:12.471Z') });
    expect(parseEventLine("event 'device-removed' for domain 'x': net0")).toBeUndefined();
    expect(parseEventLine('events received: 3')).toBeUndefined();
  });
});
