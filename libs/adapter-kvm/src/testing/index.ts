export { type LibvirtHostInfo, type LibvirtHosts, type LibvirtHostsOptions, type LibvirtHostSpec, startLibvirtHosts, testDomainXml } from './libvirt-hosts.peer';
export { type SilentSocket, startSilentSocket } from './silent-socket.peer';
export { processesMatching } from './processes.util';
