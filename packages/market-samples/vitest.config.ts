import { prepkitTestConfig } from '../../vitest.shared.js';

// The test PostgreSQL is for the cluster tests' job queue (test/cluster.test.ts, test/stress/cluster.test.ts).
export default prepkitTestConfig({ test: { globalSetup: ['@prepkit/db-cursors/testing/global-setup'] } });
