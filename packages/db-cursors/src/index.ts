export { quoteIdentifier } from './identifiers.js';
export { passwordOf, redact } from './redact.js';
export { DbCursorsError, TestDatabaseError } from './errors.js';
