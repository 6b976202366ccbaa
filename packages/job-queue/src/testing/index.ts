// `@prepkit/job-queue/testing`: several hosts on one machine for multi-machine tests (network namespaces, veth
// pairs, a TCP proxy to the test database). Needs root and iproute2; check `canRunNetworkHosts()`.
export { NetworkHosts, canRunNetworkHosts } from './network-hosts.js';
export type { NetworkHost } from './network-hosts.js';
export { TcpProxy } from './tcp-proxy.js';
