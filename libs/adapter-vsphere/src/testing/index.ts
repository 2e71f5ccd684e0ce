export { connectVcsimAdmin, ensureVcsim, startVcsim, vcsimCacheDir, VcsimAdmin, VCSIM_VERSION, type VcsimOptions, type VcsimPeer } from './vcsim.peer';
