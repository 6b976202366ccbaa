// `@prepkit/job-queue/cli`: the cluster commands (`submit`, `worker`, `status`) a pipeline's command line adds.
export { addClusterCommands, runClusterCommand, statusText } from './cluster-cli.js';
export type { ClusterCommand, ClusterCommandsSpec } from './cluster-cli.js';
