import { prepkitTestConfig } from '../../vitest.shared.js';

export default prepkitTestConfig({ test: { globalSetup: ['./src/testing/global-setup.ts'] } });
