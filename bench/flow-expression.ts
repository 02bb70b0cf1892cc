// Evaluates a typical condition. Target: ≤ 20 µs per evaluation.
// Run: npx tsx bench/flow-expression.ts
import { compileExpression, compileTemplate, evaluateExpression, renderTemplate } from '../src/flow';

const scope = {
  run: { balance: 250, choice: 'a' },
  chat: { lang: 'ru' },
  user: { balance: 150, name: 'Anna', history: ['one', 'two', 'three'] },
  bot: { adminChatId: '-100123' },
  message: { text: 'hello', callbackData: 'a' },
  from: { id: 42, firstName: 'Anna', languageCode: 'ru' },
};

function measure(label: string, iterations: number, run: () => unknown): void {
  for (let i = 0; i < 10_000; i++) run();
  const start = performance.now();
  for (let i = 0; i < iterations; i++) run();
  const micros = ((performance.now() - start) * 1_000) / iterations;
  console.log(`${label}: mean ${micros.toFixed(3)} µs over ${iterations.toLocaleString('en')} runs`);
}

const CONDITION = 'user.balance >= 100 and chat.lang == "ru"';
const condition = compileExpression(CONDITION);
const template = compileTemplate(
  'Hi {{ from.firstName }}, your balance is {{ format(user.balance, 2, " ") }} credits; stories: {{ join(user.history) }}',
);

measure(`evaluate compiled \`${CONDITION}\``, 1_000_000, () => evaluateExpression(condition, scope));
measure(`compile + evaluate \`${CONDITION}\``, 200_000, () => evaluateExpression(CONDITION, scope));
measure('render a compiled 3-placeholder template', 200_000, () => renderTemplate(template, scope));
measure('compile + render the same template', 100_000, () => renderTemplate(template.source, scope));
