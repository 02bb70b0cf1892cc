import type { Config } from '../../config';
import type { Database } from '../../db/client';
import { readFlowSecrets } from '../../bots/flow-secrets';
import type { TokenCipher } from '../../bots/token-cipher';
import { fillSecrets, markedSecretNames, maskSecrets } from '../../http-node/flow-secrets-fill';
import { performHttpNodeRequest, type HttpNodeRequest, type HttpNodeResponse } from '../../http-node/request';
import type { Logger } from '../../logger';

/** action.http: a flow's request to an author's API, with the bot's flow secrets filled in. */
export function createHttpNodeActivities(deps: {
  db: Database;
  logger: Logger;
  cipher: TokenCipher;
  config: Pick<Config, 'HTTP_NODE_ALLOWLIST'>;
}) {
  const { db, logger } = deps;
  return {
    async httpRequest(request: HttpNodeRequest): Promise<HttpNodeResponse> {
      // Flow secrets are filled in here, at the last moment, and masked in what comes back.
      const names = markedSecretNames(request);
      const values =
        request.secrets && names.length > 0
          ? await readFlowSecrets(db, deps.cipher, request.secrets.botId, names)
          : new Map<string, string>();
      const missing = names.filter((name) => !values.has(name));
      if (missing.length > 0) return { ok: false, status: null, error: `flow secret ${missing.join(', ')} is not set for this bot` };
      const response = maskSecrets(await performHttpNodeRequest(fillSecrets(request, values), deps.config.HTTP_NODE_ALLOWLIST), values);
      logger.info({ method: request.method, host: safeHost(request.url), ok: response.ok, status: response.status }, 'flow HTTP request');
      return response;
    },
  };
}

function safeHost(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return 'invalid-url';
  }
}
