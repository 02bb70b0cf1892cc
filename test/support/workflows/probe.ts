import { condition, defineSignal, proxyActivities, setHandler } from '@temporalio/workflow';

/** Test-only workflows: the smallest durable process that touches PostgreSQL through an activity. */
export interface ProbeActivities {
  createUser(id: string): Promise<void>;
}

const { createUser } = proxyActivities<ProbeActivities>({ startToCloseTimeout: '10 seconds' });

export const proceed = defineSignal('proceed');

/** Waits for `proceed` (so it can outlive a restart), then writes a user row. */
export async function createUserWhenSignalled(userId: string): Promise<string> {
  let signalled = false;
  setHandler(proceed, () => {
    signalled = true;
  });
  await condition(() => signalled);
  await createUser(userId);
  return userId;
}

export async function createUserNow(userId: string): Promise<string> {
  await createUser(userId);
  return userId;
}
