import { createLogger } from '../../src/logger';

const botToken = '123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw';
const secrets = [botToken.split(':')[1]!, 's3cr3t-bearer-value', 'p4ssw0rd', 'hook-secret-value', 'sk-ant-key-value', 'short-demo-token'];

function capture(): { lines: string[]; logger: ReturnType<typeof createLogger> } {
  const lines: string[] = [];
  return { lines, logger: createLogger('debug', 'test', { write: (line: string) => void lines.push(line) }) };
}

/** Secrets must not reach a log line, wherever they hide in what was logged. */
describe('log redaction', () => {
  it('scrubs error messages, stacks, causes and properties of errors', () => {
    const { lines, logger } = capture();
    const err = Object.assign(new Error(`request to https://api.telegram.org/bot${botToken}/sendMessage failed`), {
      config: { url: 'https://api.telegram.org/bot42:short-demo-token/getMe', headers: { Authorization: 'Bearer s3cr3t-bearer-value' } },
      cause: new Error('connect to postgres://bots:p4ssw0rd@db:5432/bots refused'),
    });
    logger.error({ err }, 'call failed');
    logger.warn({ botId: '123456789', error: err }, 'again, under another key');
    logger.error(err);
    for (const secret of secrets) expect(lines.filter((l) => l.includes(secret))).toEqual([]);
    const first = JSON.parse(lines[0]!) as { err: { type: string; message: string; stack: string } };
    expect(first.err.type).toBe('Error');
    expect(first.err.message).toBe(
      'request to https://api.telegram.org/bot[REDACTED]/sendMessage failed: connect to postgres://bots:[REDACTED]@db:5432/bots refused',
    );
    expect(first.err.stack).toContain('bot[REDACTED]/sendMessage');
    expect(lines[1]).toContain('"botId":"123456789"');
  });

  it('scrubs secret keys at any depth, whatever their spelling', () => {
    const { lines, logger } = capture();
    logger.info(
      {
        a: {
          b: {
            c: {
              d: {
                e: {
                  token: 'short-demo-token',
                  headers: { 'X-Telegram-Bot-Api-Secret-Token': 'hook-secret-value', 'x-api-key': 'sk-ant-key-value' },
                },
              },
            },
          },
        },
        list: [{ webhookSecret: 'hook-secret-value' }, { password: 'p4ssw0rd' }],
        maxTokens: 1024,
      },
      'nested',
    );
    for (const secret of secrets) expect(lines[0]).not.toContain(secret);
    expect(JSON.parse(lines[0]!)).toMatchObject({ a: { b: { c: { d: { e: { token: '[REDACTED]' } } } } }, maxTokens: 1024 });
  });

  it('scrubs URLs, bearer credentials and bot tokens in free text and bindings', () => {
    const { lines, logger } = capture();
    const child = logger.child({ upstream: `https://api.telegram.org/bot${botToken}/getUpdates` });
    child.info(
      { url: 'https://example.com/hook?token=short-demo-token&page=2' },
      `Authorization: Bearer s3cr3t-bearer-value for ${botToken}`,
    );
    for (const secret of secrets) expect(lines[0]).not.toContain(secret);
    expect(lines[0]).toContain('page=2');
  });

  it('leaves prose alone', () => {
    const { lines, logger } = capture();
    logger.info('bootstrap bot ready; missing or invalid bearer token');
    expect(JSON.parse(lines[0]!).msg).toBe('bootstrap bot ready; missing or invalid bearer token');
  });
});
