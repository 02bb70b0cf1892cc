import { isSimulatedChat, SIMULATED_ID_BASE, simulatedUserId } from '../../src/telegram/simulated-ids';
import { chatOfWorkflowId, chatWorkflowId } from '../../src/temporal/workflow-ids';

describe('simulated chat ids', () => {
  it('never takes a real Telegram id (at most 52 significant bits) for a simulated one', () => {
    expect(isSimulatedChat(2 ** 52 - 1)).toBe(false);
    expect(isSimulatedChat('7000000000')).toBe(false);
    expect(isSimulatedChat('-1001234567890')).toBe(false);
    expect(isSimulatedChat(simulatedUserId(1))).toBe(true);
    expect(isSimulatedChat(String(simulatedUserId(999_999)))).toBe(true);
  });

  it('keeps simulated ids exact through JSON and strings', () => {
    const id = simulatedUserId(123);
    expect(JSON.parse(JSON.stringify({ id })).id - SIMULATED_ID_BASE).toBe(123);
    expect(Number(String(id))).toBe(id);
  });

  it('reads the chat back out of a chat workflow id, and nothing out of other ids', () => {
    expect(chatOfWorkflowId(chatWorkflowId('123', String(simulatedUserId(1))))).toBe('4503599627370497');
    expect(chatOfWorkflowId(chatWorkflowId('123', '-100500'))).toBe('-100500');
    expect(chatOfWorkflowId('generation:u1:key')).toBeUndefined();
  });
});
