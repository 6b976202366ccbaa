import { prepkitTestConfig } from '../../vitest.shared.js';

export default prepkitTestConfig();
