import { DefaultLogger, Runtime } from '@temporalio/worker';

// Workers in tests log only warnings and errors; the SDK's INFO lines (state changes, the
// bundler's report) drown the test output.
Runtime.install({ logger: new DefaultLogger('WARN') });
