import { scrubSecrets } from '../logger';
import type { Infra } from '../runtime/infra';

/** The human-readable "where is everything" block printed once the system is up. */
export function printBanner(opts: {
  infra: Infra;
  apiUrl?: string;
  apiToken: { token: string; generated: boolean };
  simulator?: 'demo' | 'bots';
  /** Whether the studio's bundle is ready. */
  studio?: boolean;
  /** The embedded Web UI decodes payloads through the API's codec endpoint. */
  uiDecodes?: boolean;
}): void {
  const { infra, apiUrl, apiToken } = opts;
  const lines = [
    '',
    'Ready.',
    `  API             ${apiUrl}   (health: ${apiUrl}/readyz)`,
    `  API token       ${apiToken.generated ? `${apiToken.token}   (generated; set API_TOKEN to choose one)` : '(from API_TOKEN)'}`,
    `  API reference   ${apiUrl}/docs`,
    ...(opts.studio ? [`  Studio          ${apiUrl}/studio   (flow editor; sign in with the API token)`] : []),
    ...(opts.simulator
      ? [
          `  Simulator       ${apiUrl}/simulator   (sign in with the API token; ${
            opts.simulator === 'demo'
              ? 'no TELEGRAM_BOT_TOKEN: a demo bot on an emulated Telegram)'
              : 'switch a bot to it: PATCH /api/bots/<id> {"simulator":true})'
          }`,
        ]
      : []),
    `  Temporal        ${infra.temporalAddress}`,
    ...(infra.temporalUiUrl ? [`  Temporal Web UI ${infra.temporalUiUrl}`] : []),
    ...(infra.temporalUiUrl && opts.uiDecodes
      ? [
          `  UI decoding     ${apiUrl}/codec/session   (sign in with an API token, then in the Web UI's codec settings turn on "Include cross-origin credentials")`,
        ]
      : []),
    `  PostgreSQL      ${scrubSecrets(infra.databaseUrl)}${infra.postgresVersion ? `   (embedded, ${infra.postgresVersion})` : ''}`,
    ...(infra.postgresRelocatedTo ? [`  PostgreSQL data ${infra.postgresRelocatedTo}   (the "postgres" user cannot reach DATA_DIR)`] : []),
    '  Ctrl-C stops everything.',
    '',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}
