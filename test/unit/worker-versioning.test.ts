import { ConfigError, loadConfig } from '../../src/config';
import { chatWorkflow } from '../../src/workflows/chat/chat-workflow';
import { generationWorkflow } from '../../src/workflows/generation';
import { deploymentOptions } from '../../src/workers/worker';

const noEnvFile = '/nonexistent/.env';
let deploymentVersion: { deploymentName: string; buildId: string } | undefined;
jest.mock('@temporalio/workflow', () => ({
  ...jest.requireActual('@temporalio/workflow'),
  workflowInfo: () => ({ currentDeploymentVersion: deploymentVersion }),
}));
const behaviourOf = (fn: object) =>
  (fn as { workflowDefinitionOptions: () => { versioningBehavior?: string } }).workflowDefinitionOptions().versioningBehavior;

describe('worker versioning', () => {
  it('moves chats to the current build and keeps generation jobs on the build that started them', () => {
    deploymentVersion = { deploymentName: 'bots', buildId: 'abc123' };
    expect(behaviourOf(chatWorkflow)).toBe('AUTO_UPGRADE');
    expect(behaviourOf(generationWorkflow)).toBe('PINNED');
  });

  it('declares no behaviour to an unversioned worker, which would fail the workflow task', () => {
    for (const unversioned of [undefined, { deploymentName: '', buildId: '@temporalio/worker@1.24+bundle-checksum' }]) {
      deploymentVersion = unversioned;
      expect(behaviourOf(chatWorkflow)).toBeUndefined();
      expect(behaviourOf(generationWorkflow)).toBeUndefined();
    }
  });

  it('is off unless a deployment name and a build id are both configured', () => {
    expect(deploymentOptions(undefined)).toBeUndefined();
    expect(deploymentOptions({ deploymentName: 'bots', buildId: 'abc123' })).toEqual({
      version: { deploymentName: 'bots', buildId: 'abc123' },
      useWorkerVersioning: true,
      defaultVersioningBehavior: 'AUTO_UPGRADE',
    });
    const config = loadConfig({}, noEnvFile);
    expect([config.WORKER_DEPLOYMENT_NAME, config.WORKER_BUILD_ID]).toEqual([undefined, undefined]);
    expect(() => loadConfig({ WORKER_BUILD_ID: 'abc123' }, noEnvFile)).toThrow(ConfigError);
    expect(() => loadConfig({ WORKER_DEPLOYMENT_NAME: 'bots' }, noEnvFile)).toThrow(/needs both/);
    expect(() => loadConfig({ WORKER_DEPLOYMENT_NAME: 'bots.prod', WORKER_BUILD_ID: 'x' }, noEnvFile)).toThrow(/WORKER_DEPLOYMENT_NAME/);
  });
});
