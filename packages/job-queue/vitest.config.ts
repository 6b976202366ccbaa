import { prepkitTestConfig } from '../../vitest.shared.js';

export default prepkitTestConfig({ test: { globalSetup: ['@prepkit/db-cursors/testing/global-setup'] } });
