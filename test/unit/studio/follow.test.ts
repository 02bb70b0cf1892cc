import { ApiProblem, type Api } from '../../../studio/src/api';
import { CLOSED_RECHECK_MS, followExecution, POLL_MS, type FollowReport, type Timer } from '../../../studio/src/executions/follow-loop';
import type { Execution } from '../../../studio/src/executions/types';
import type { ChatStep } from '../../../studio/src/flow/path-marks';

const WORKFLOW = 'chat:1:2';
const step = (seq: number, nodeId = `n${seq}`): ChatStep => ({
  seq,
  at: seq,
  kind: 'node',
  nodeId,
  nodeType: 'x',
  detail: 'took next',
  durationMs: 0,
});

/** The executions API as the follower sees it: a chat (or job) whose state a test changes as it goes. */
class FakeServer {
  exists = true;
  steps: ChatStep[] = [];
  currentNode: string | null = null;
  job: { status: string } | null = null;
  gets = 0;
  lastEventIds: (string | undefined)[] = [];
  /** What each stream does, in turn: given the step callback, it resolves (the stream ended) or rejects. */
  streams: ((send: (event: { event: string; data: string; id?: string }) => void) => Promise<void>)[] = [];
  afterLastStream: () => void = () => {};

  execution(): Execution {
    const base = {
      workflowId: WORKFLOW,
      runId: 'r',
      botId: '1',
      chatId: '2',
      userId: null,
      kind: null,
      startedAt: '',
      closedAt: null,
      temporalUi: '',
    };
    if (this.job) return { ...base, type: 'generationWorkflow', status: this.job.status, job: null, steps: [] };
    return {
      ...base,
      type: 'chatWorkflow',
      status: 'running',
      chat: {
        botId: '1',
        chatId: '2',
        status: 'waiting',
        flowVersionId: 'v',
        currentNode: this.currentNode,
        waitingUntil: null,
        variables: { run: {}, chat: {} },
        queued: 0,
      },
      steps: [...this.steps],
    };
  }

  api(): Api {
    const get = async <T>(path: string): Promise<T> => {
      expect(path).toBe(`/api/executions/${encodeURIComponent(WORKFLOW)}`);
      this.gets += 1;
      await Promise.resolve();
      if (!this.exists) throw new ApiProblem(404, 'not_found', 'no such execution');
      return this.execution() as T;
    };
    return {
      get,
      request: async () => {
        throw new Error('the follower only reads');
      },
      stream: async (path, onEvent, _signal, headers) => {
        expect(path).toBe(`/api/executions/${encodeURIComponent(WORKFLOW)}/stream`);
        this.lastEventIds.push(headers?.['Last-Event-ID']);
        const plan = this.streams.shift();
        if (!plan) {
          this.afterLastStream();
          throw new Error('no more streams planned');
        }
        await plan(onEvent);
      },
    };
  }
}

/** A timer that does not wait: it records each pause, and lets a test act before the loop goes on. */
function instantTimer(pauses: number[], onPause: (ms: number, index: number) => 'hold' | void = () => {}): Timer {
  return (ms, done) => {
    pauses.push(ms);
    if (onPause(ms, pauses.length - 1) === 'hold') return () => {};
    const timer = setImmediate(done);
    return () => clearImmediate(timer);
  };
}

const stepEvent = (s: ChatStep) => ({ event: 'step', id: String(s.seq), data: JSON.stringify(s) });

describe('the studio: following an execution live', () => {
  it('looks for a chat until it exists, streams its steps, and resumes a dropped or refused stream after the last step without doubles', async () => {
    const server = new FakeServer();
    server.exists = false;
    const reports: FollowReport[] = [];
    const pauses: number[] = [];
    server.streams = [
      // The first stream: two new steps, one old one again (a resumed stream may repeat), a broken event… then it drops.
      async (send) => {
        server.steps.push(step(3), step(4));
        send(stepEvent(step(3)));
        send(stepEvent(step(2)));
        send({ event: 'ping', data: 'not a step' });
        send(stepEvent(step(4)));
      },
      // Refused: this token has too many streams open.
      async () => {
        throw new ApiProblem(429, 'too_many_streams', 'too many');
      },
      // The third one breaks on an event that is not JSON.
      async (send) => send({ event: 'step', data: '{not json' }),
    ];
    let follower: ReturnType<typeof followExecution> | undefined;
    server.afterLastStream = () => follower?.stop();
    follower = followExecution(
      server.api(),
      WORKFLOW,
      (r) => reports.push(r),
      instantTimer(pauses, (_ms, index) => {
        // The chat starts (its first message) while the follower waits the second time.
        if (index === 1) {
          server.exists = true;
          server.steps = [step(1), step(2)];
        }
      }),
    );
    await follower.done;

    expect(server.lastEventIds).toEqual(['2', '4', '4', '4']);
    const lastSteps = reports.filter((r) => r.steps).at(-1)?.steps;
    expect(lastSteps?.map((s) => s.seq)).toEqual([1, 2, 3, 4]);
    expect(reports.map((r) => r.state).filter(Boolean)).toEqual(['absent', 'absent', 'live', 'live', 'live', 'live']);
    const errors = reports.map((r) => r.error).filter((e): e is string => typeof e === 'string');
    expect(errors).toEqual([
      'Too many live streams are open with this token; retrying.',
      expect.stringMatching(/^The live stream broke \(.*JSON.*\); reconnecting\.$/),
    ]);
    // The pause grows while nothing comes, and starts small again once steps arrive.
    expect(pauses).toEqual([500, 1000, 500, 1000, 2000]);
  });

  it('asks for the chat state again on each step, one question at a time', async () => {
    const server = new FakeServer();
    server.steps = [step(1)];
    const reports: FollowReport[] = [];
    let questions = -1;
    server.streams = [
      async (send) => {
        const getsBefore = server.gets;
        server.currentNode = 'n4';
        server.steps.push(step(2), step(3), step(4));
        for (const s of [step(2), step(3), step(4)]) send(stepEvent(s));
        // Three steps in a row: one question now, one more after it (not three at once).
        await new Promise((resolve) => setImmediate(resolve));
        await new Promise((resolve) => setImmediate(resolve));
        questions = server.gets - getsBefore;
        follower.stop();
      },
    ];
    const follower = followExecution(server.api(), WORKFLOW, (r) => reports.push(r), instantTimer([]));
    await follower.done;
    expect(questions).toBe(2);
    const executions = reports.map((r) => r.execution).filter(Boolean);
    expect(executions.at(-1)?.chat?.currentNode).toBe('n4');
  });

  it('polls a running job (no stream), looks at a closed one rarely, and a poke cuts that pause short', async () => {
    const server = new FakeServer();
    server.job = { status: 'running' };
    const reports: FollowReport[] = [];
    const pauses: number[] = [];
    let follower: ReturnType<typeof followExecution> | undefined;
    follower = followExecution(
      server.api(),
      WORKFLOW,
      (r) => reports.push(r),
      instantTimer(pauses, (ms) => {
        if (ms === POLL_MS) server.job = { status: 'completed' };
        if (ms !== CLOSED_RECHECK_MS) return undefined;
        if (pauses.length === 2) {
          // Held: only a poke ends this one.
          setImmediate(() => follower?.poke());
          return 'hold';
        }
        follower?.stop();
        return undefined;
      }),
    );
    await follower.done;
    expect(pauses).toEqual([POLL_MS, CLOSED_RECHECK_MS, CLOSED_RECHECK_MS]);
    expect(reports.map((r) => r.state).filter(Boolean)).toEqual(['running', 'closed', 'closed']);
    expect(server.lastEventIds).toEqual([]);
    expect(server.gets).toBe(3);
  });

  it('stops for good: no question after stop, even in the middle of a pause', async () => {
    const server = new FakeServer();
    server.exists = false;
    let follower: ReturnType<typeof followExecution> | undefined;
    follower = followExecution(
      server.api(),
      WORKFLOW,
      () => {},
      instantTimer([], () => {
        setImmediate(() => follower?.stop());
        return 'hold';
      }),
    );
    await follower.done;
    const gets = server.gets;
    follower.poke();
    await new Promise((resolve) => setImmediate(resolve));
    expect(server.gets).toBe(gets);
    expect(gets).toBe(1);
  });
});
