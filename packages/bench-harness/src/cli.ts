// `@prepkit/bench-harness/cli`: what every prepkit command line shares (the process entry, parsing, argument
// parsers, the one catch block). Errors and exit codes: `@prepkit/bench-harness/errors`.
export { quietProgram, reportFailure, runCli, runInterruptible } from './cli-program.js';
export type { CliIo, CliMain, CommandLineOutcome, QuietProgram } from './cli-program.js';
export {
  fraction,
  integer,
  nonNegativeInteger,
  positiveInteger,
  positiveNumber,
  reportFlags,
} from './cli-args.js';
export type { ReportFlags } from './cli-args.js';
