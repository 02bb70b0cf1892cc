import { Router } from 'express';
import { z } from 'zod';
import { routeTo } from '../http/route';

export interface SessionDeps {
  /** The Temporal Web UI links point into, when there is one. */
  temporalUi?: { url: string; namespace: string };
  /** Whether this process runs the chat simulator. */
  simulator: boolean;
}

/**
 * What a browser client (the studio) needs to know about the token it signed in with and the
 * service it talks to: whether it may change things, where Temporal's Web UI is for links to
 * executions, and whether the chat simulator is there to try a flow in.
 */
export function sessionRouter(deps: SessionDeps): Router {
  const router = Router();
  const route = routeTo(router, '/api');

  route(
    {
      method: 'get',
      path: '/session',
      summary: 'The signed-in token and what the service offers it',
      tag: 'session',
      auth: 'bearer',
      responses: {
        200: {
          description: 'the session',
          schema: z.object({
            role: z.enum(['operator', 'readonly']).describe('`readonly` may only read (GET)'),
            temporalUi: z
              .object({ url: z.string().describe('base URL of the Temporal Web UI'), namespace: z.string() })
              .nullable()
              .describe('where links to executions point; null when no Web UI is known'),
            simulator: z.boolean().describe('whether the chat simulator runs in this process'),
          }),
        },
      },
    },
    (_input, req, res) => {
      res.json({ role: req.role, temporalUi: deps.temporalUi ?? null, simulator: deps.simulator });
    },
  );

  return router;
}
