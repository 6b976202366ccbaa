// `@prepkit/job-queue/testing`: what cluster tests share: a pipeline's CLI in child processes with fast queue
// settings, and several hosts on one machine (network namespaces, veth pairs, a TCP proxy to the test
// database; root and iproute2, check `canRunNetworkHosts()`).
export { NetworkHosts, canRunNetworkHosts } from './network-hosts.js';
export type { NetworkHost } from './network-hosts.js';
export { TcpProxy } from './tcp-proxy.js';
export { cliProcesses, testQueueFlags } from './cli-processes.js';
export type { CliProcess, CliProcesses, Spawner, StatusJson } from './cli-processes.js';
