export { type IpmiBmc, type IpmiBmcOptions, IPMI_PACKAGES, startIpmiBmc } from './ipmi-bmc.peer';
export { type LibvirtHost, LIBVIRT_PACKAGES, startLibvirtHost } from './libvirt-host.peer';
export { type SimulatedHost, startSimulatedHost } from './simulated-host.peer';
export { BRIDGE_PACKAGES, DEBIAN_PYTHON, type IpmiLibvirtBridge, startIpmiLibvirtBridge } from './ipmi-libvirt-bridge.peer';
export { type FenceVirtd, FENCE_VIRTD_PACKAGES, startFenceVirtd } from './fence-virtd.peer';
