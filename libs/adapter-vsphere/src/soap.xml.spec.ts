import { buildEnvelope, child, children, group, NS, param, parseXml, path, readMoRef, readSoapFault, refParam, SoapParseError, soapBody, text, xsiType } from './soap.xml';

// Replies as vcsim v0.46.3 sends them: the schema-instance namespace under the prefix `XMLSchema-instance`.
const RETRIEVE_REPLY = `<?xml version="1.0" encoding="UTF-8"?>
<soapenv:Envelope xmlns:soapenc="http://schemas.xmlsoap.org/soap/encoding/" xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body><RetrievePropertiesExResponse xmlns="urn:vim25"><returnval><objects><obj type="VirtualMachine">vm-62</obj><propSet><name>name</name><val xmlns:XMLSchema-instance="http://www.w3.org/2001/XMLSchema-instance" XMLSchema-instance:type="xsd:string">DC0_H0_VM0</val></propSet><propSet><name>runtime.host</name><val type="HostSystem" xmlns:XMLSchema-instance="http://www.w3.org/2001/XMLSchema-instance" XMLSchema-instance:type="ManagedObjectReference">host-21</val></propSet></objects></returnval></RetrievePropertiesExResponse></soapenv:Body></soapenv:Envelope>`;

const LOGIN_FAULT = `<?xml version="1.0" encoding="UTF-8"?>
<soapenv:Envelope xmlns:soapenc="http://schemas.xmlsoap.org/soap/encoding/" xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body><soapenv:Fault><faultcode>ServerFaultCode</faultcode><faultstring>Login failure</faultstring><detail><InvalidLoginFault xmlns="urn:vim25" xsi:type="InvalidLogin"></InvalidLoginFault></detail></soapenv:Fault></soapenv:Body></soapenv:Envelope>`;

describe('vim25 envelopes', () => {
  it('escapes text and attributes so a password with XML metacharacters survives the round trip', () => {
    const password = `p&<"'>]]>x`;
    const xml = buildEnvelope('Login', { type: 'SessionManager', value: 'SessionManager' }, [param('userName', 'root'), param('password', password)]);
    expect(xml).not.toContain(password);
    const call = soapBody(parseXml(xml));
    expect(call.localName).toBe('Login');
    expect(call.namespaceURI).toBe(NS.vim25);
    expect(text(child(call, 'password'))).toBe(password);
    expect(readMoRef(child(call, '_this'))).toEqual({ type: 'SessionManager', value: 'SessionManager' });
  });

  it('keeps parameters in order and types polymorphic ones with xsi:type', () => {
    const xml = buildEnvelope('RetrievePropertiesEx', { type: 'PropertyCollector', value: 'propertyCollector' }, [
      group('specSet', [refParam('obj', { type: 'ContainerView', value: 'session[a]b' }), group('selectSet', [param('path', 'view')], 'TraversalSpec')]),
      group('options', [param('maxObjects', 10)]),
    ]);
    const call = soapBody(parseXml(xml));
    expect(children(call).map((c) => c.localName)).toEqual(['_this', 'specSet', 'options']);
    const select = path(call, 'specSet', 'selectSet');
    expect(select && xsiType(select)).toEqual({ ns: NS.vim25, local: 'TraversalSpec' });
    expect(text(path(call, 'options', 'maxObjects'))).toBe('10');
  });
});

describe('reading replies', () => {
  it('resolves xsi:type by namespace, whatever prefix the server chose, and the QName value by scope', () => {
    const reply = soapBody(parseXml(RETRIEVE_REPLY));
    const objects = path(reply, 'returnval', 'objects');
    const vals = (objects ? children(objects, 'propSet') : []).flatMap((p) => child(p, 'val') ?? []);
    expect(vals.map((v) => xsiType(v))).toEqual([
      { ns: NS.xsd, local: 'string' },
      { ns: NS.vim25, local: 'ManagedObjectReference' },
    ]);
    expect(readMoRef(vals[1])).toEqual({ type: 'HostSystem', value: 'host-21' });
  });

  it('does not take an attribute named xsi:type in another namespace for the type', () => {
    const el = soapBody(parseXml(`<e:Envelope xmlns:e="${NS.soapenv}"><e:Body><v xmlns:xsi="urn:not-schema-instance" xsi:type="Nope">1</v></e:Body></e:Envelope>`));
    expect(xsiType(el)).toBeUndefined();
  });

  it('reads a SOAP fault: type from the detail, message from faultstring', () => {
    expect(readSoapFault(soapBody(parseXml(LOGIN_FAULT)))).toMatchObject({ type: 'InvalidLogin', message: 'Login failure' });
  });

  it('falls back to the detail element name, then the faultcode, when the type attribute is missing', () => {
    const withName = `<s:Envelope xmlns:s="${NS.soapenv}"><s:Body><s:Fault><faultcode>ServerFaultCode</faultcode><faultstring>gone</faultstring><detail><ManagedObjectNotFoundFault xmlns="urn:vim25"/></detail></s:Fault></s:Body></s:Envelope>`;
    expect(readSoapFault(soapBody(parseXml(withName)))).toMatchObject({ type: 'ManagedObjectNotFound', message: 'gone' });
    const bare = `<s:Envelope xmlns:s="${NS.soapenv}"><s:Body><s:Fault><faultcode>s:Client</faultcode><faultstring>bad</faultstring></s:Fault></s:Body></s:Envelope>`;
    expect(readSoapFault(soapBody(parseXml(bare)))).toMatchObject({ type: 'Client', message: 'bad' });
  });

  it('refuses malformed XML and documents that are not SOAP envelopes', () => {
    expect(() => parseXml('<a><b></a>')).toThrow(SoapParseError);
    expect(() => parseXml('')).toThrow(SoapParseError);
    expect(() => soapBody(parseXml('<html><body>503</body></html>'))).toThrow(/not a SOAP envelope/);
    expect(() => soapBody(parseXml(`<s:Envelope xmlns:s="${NS.soapenv}"><s:Body/></s:Envelope>`))).toThrow(/without a body element/);
  });
});
