import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { checkLedger } from '../../src/credits/check';
import { topUp } from '../../src/credits/ledger';
import { botVariables } from '../../src/db/schema';
import { chatWorkflowId } from '../../src/temporal/workflow-ids';
import { chatEvent } from '../../src/temporal/chat-messages';
import { startChatSystem } from '../support/chat-system';

const example = (name: string) =>
  JSON.parse(fs.readFileSync(path.resolve(__dirname, '..', '..', 'examples', 'flows', `${name}.json`), 'utf8')) as {
    nodes: { id: string; data: Record<string, unknown> }[];
  };

/** The example APIs live on example.com; the tests point those nodes at a local stub instead. */
async function stubServer(
  handler: (body: Record<string, unknown>) => unknown,
): Promise<{ url: string; received: Record<string, unknown>[]; close(): Promise<void> }> {
  const received: Record<string, unknown>[] = [];
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk: Buffer) => (raw += chunk.toString()));
    req.on('end', () => {
      const body = JSON.parse(raw || '{}') as Record<string, unknown>;
      received.push(body);
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(handler(body)));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

function pointAt(flow: ReturnType<typeof example>, nodeId: string, url: string) {
  const node = flow.nodes.find((n) => n.id === nodeId);
  if (!node) throw new Error(`no node ${nodeId}`);
  node.data.url = url;
  return flow;
}

describe('the example flows, end to end', () => {
  it('loyalty: menu, a paid story that succeeds, one that is refunded, and books that balance', async () => {
    const system = await startChatSystem({ flow: example('loyalty') });
    try {
      const user = system.user({ firstName: 'Ann' });
      user.sendText('/start');
      await system.until(user.chatId, (t) => t.includes('Hi, Ann! Your balance: 0 credits.'));
      await topUp(system.db, `tg:${system.botId}:${user.id}`, 100, 'gift');

      user.pressButton('story');
      await system.until(user.chatId, (t) => t.at(-1) === 'What should the story be about? (3 to 200 characters)');
      user.sendText('a brave fox');
      let texts = await system.until(user.chatId, (t) => t.at(-1) === 'Hi, Ann! Your balance: 50 credits.');
      expect(texts.at(-2)).toMatch(/^A story about "Write a short, kind story about: a brave fox"/);

      user.pressButton('story');
      await system.until(user.chatId, (t) => t.at(-1) === 'What should the story be about? (3 to 200 characters)');
      user.sendText('a dragon [fail]');
      texts = await system.until(
        user.chatId,
        (t) =>
          t.filter((x) => x.startsWith('Sorry, the story could not be written')).length === 1 && t.at(-1)?.includes('credits.') === true,
      );
      expect(texts.at(-1)).toBe('Hi, Ann! Your balance: 50 credits.');

      user.pressButton('history');
      await system.until(user.chatId, (t) => t.some((x) => x.startsWith('Your stories:\n• a brave fox')));
      expect(await checkLedger(system.db)).toEqual([]);
    } finally {
      await system.stop();
    }
  });

  it('loyalty: a pack of credits bought with Stars from the menu, and /paysupport', async () => {
    const system = await startChatSystem({ flow: example('loyalty') });
    try {
      const user = system.user({ firstName: 'Ann' });
      user.sendText('/start');
      await system.until(user.chatId, (t) => t.includes('Hi, Ann! Your balance: 0 credits.'));
      user.pressButton('buy');
      await system.until(user.chatId, (t) => t.includes('[invoice: 100 credits]'));
      const verdict = await system.emulator.waitForCheckout(user.payInvoice().pre_checkout_query.id);
      expect(verdict.status).toBe('paid');
      const texts = await system.until(user.chatId, (t) => t.at(-1) === 'Hi, Ann! Your balance: 100 credits.');
      expect(texts.at(-2)).toBe('Thank you! 100 credits added; your balance is 100 credits.');
      user.sendText('/paysupport');
      await system.until(user.chatId, (t) => t.at(-1)?.startsWith('Payment support:') === true);
      expect(await checkLedger(system.db)).toEqual([]);
    } finally {
      await system.stop();
    }
  });

  it('booking: service, date (with a retry prompt), confirm; the booking API is called once', async () => {
    const api = await stubServer(() => ({ id: 777 }));
    const system = await startChatSystem({ flow: pointAt(example('booking'), 'book', `${api.url}/api/bookings`) });
    try {
      const user = system.user();
      user.sendText('/start');
      await system.until(user.chatId, (t) => t.includes('Which service would you like?'));
      user.pressButton('beard');
      await system.until(user.chatId, (t) => t.at(-1)?.startsWith('Which date suits you?') === true);
      user.sendText('tomorrow');
      await system.until(user.chatId, (t) => t.at(-1) === 'Please send the date as DD.MM, for example 24.12.');
      user.sendText('24.12');
      await system.until(user.chatId, (t) => t.at(-1) === 'Book a beard on 24.12?');
      user.pressButton('yes');
      await system.until(user.chatId, (t) => t.at(-1) === 'Booked: beard on 24.12. Your booking number is 777.');
      expect(api.received).toEqual([{ chatId: String(user.chatId), service: 'beard', date: '24.12' }]);
    } finally {
      await system.stop();
      await api.close();
    }
  });

  it('support: an unsure answer escalates to the admin chat, and the team replies through an event', async () => {
    const api = await stubServer(() => ({ answer: 'Maybe?', confidence: 0.2 }));
    const system = await startChatSystem({ flow: pointAt(example('support'), 'lookup', `${api.url}/api/answer`) });
    try {
      const admin = system.user({ firstName: 'Admin' });
      await system.db.insert(botVariables).values({ botId: system.botId, name: 'adminChatId', value: String(admin.chatId) });
      const user = system.user({ firstName: 'Bob' });
      user.sendText('/start');
      await system.until(user.chatId, (t) => t.includes('Hi, Bob! Ask me anything about your order.'));
      user.sendText('Where is my parcel?');
      await system.until(user.chatId, (t) => t.at(-1) === 'I have passed your question to our team; they will answer here.');
      const notice = await system.until(admin.chatId, (t) => t.length === 1);
      expect(notice[0]).toContain('Where is my parcel?');

      await system.client.workflow
        .getHandle(chatWorkflowId(system.botId, user.chatId))
        .signal(chatEvent, { name: 'admin_reply', payload: { text: 'It ships today.' }, eventId: 'reply-1' });
      await system.until(user.chatId, (t) => t.at(-1) === 'Reply from our team:\nIt ships today.');
    } finally {
      await system.stop();
      await api.close();
    }
  });
});
