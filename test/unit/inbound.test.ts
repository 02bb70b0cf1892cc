import { MalformedUpdateError, normaliseUpdate, preCheckoutOf, subscribedUpdates } from '../../src/telegram/inbound';

const from = { id: 7, is_bot: false, first_name: 'Ann', language_code: 'ru' };

describe('reading Telegram updates', () => {
  it('reads a command with its arguments', () => {
    const update = normaliseUpdate(
      { update_id: 1, message: { message_id: 5, date: 0, chat: { id: 7, type: 'private' }, from, text: '/start ref_42' } },
      1000,
    );
    expect(update).toMatchObject({
      updateId: 1,
      chatId: '7',
      command: { name: '/start', args: 'ref_42' },
      text: '/start ref_42',
      receivedAt: 1000,
    });
    expect(update?.from).toEqual({ id: 7, firstName: 'Ann', lastName: null, username: null, languageCode: 'ru' });
  });

  it('reads a button press with the message it was on', () => {
    const update = normaliseUpdate(
      { update_id: 2, callback_query: { id: 'q1', from, data: 'balance', message: { message_id: 9, chat: { id: 7, type: 'private' } } } },
      0,
    );
    expect(update).toMatchObject({ chatId: '7', callback: { id: 'q1', data: 'balance', messageId: 9 }, text: null, command: null });
  });

  it('reads a shared contact', () => {
    const update = normaliseUpdate(
      { update_id: 3, message: { message_id: 5, chat: { id: 7, type: 'private' }, from, contact: { phone_number: '+100' } } },
      0,
    );
    expect(update?.contact).toEqual({ phone: '+100' });
  });

  it('ignores updates bots do not handle, and refuses what is not an update', () => {
    expect(normaliseUpdate({ update_id: 4, channel_post: { message_id: 1 } }, 0)).toBeNull();
    expect(() => normaliseUpdate({ hello: 'world' }, 0)).toThrow(MalformedUpdateError);
    expect(() => normaliseUpdate({ update_id: 'x' }, 0)).toThrow(/update_id/);
  });

  it('reads a Stars payment and a refund, which carry no text or command', () => {
    const paid = normaliseUpdate(
      {
        update_id: 10,
        message: {
          message_id: 3,
          date: 0,
          chat: { id: 7, type: 'private' },
          from,
          successful_payment: {
            currency: 'XTR',
            total_amount: 50,
            invoice_payload: 'inv-1',
            telegram_payment_charge_id: 'ch-1',
            provider_payment_charge_id: '',
          },
        },
      },
      0,
    );
    expect(paid).toMatchObject({
      chatId: '7',
      text: null,
      command: null,
      payment: { chargeId: 'ch-1', invoiceId: 'inv-1', currency: 'XTR', stars: 50 },
    });
    const refunded = normaliseUpdate(
      {
        update_id: 11,
        message: {
          message_id: 4,
          date: 0,
          chat: { id: 7, type: 'private' },
          from,
          refunded_payment: { telegram_payment_charge_id: 'ch-1' },
        },
      },
      0,
    );
    expect(refunded).toMatchObject({ refundedPayment: { chargeId: 'ch-1' } });
    expect(refunded?.payment).toBeUndefined();
  });

  it('leaves a pre-checkout query to the ingress: no chat reads it, and it is subscribed to', () => {
    const raw = { update_id: 12, pre_checkout_query: { id: 'q', from, currency: 'XTR', total_amount: 5, invoice_payload: 'inv-2' } };
    expect(normaliseUpdate(raw, 0)).toBeNull();
    expect(preCheckoutOf(raw)).toMatchObject({ id: 'q', invoice_payload: 'inv-2', from: { id: 7 } });
    expect(preCheckoutOf({ update_id: 13, pre_checkout_query: { id: 'q' } })).toBeNull();
    expect(preCheckoutOf({ update_id: 14, message: {} })).toBeNull();
    expect(subscribedUpdates).toContain('pre_checkout_query');
  });
});
