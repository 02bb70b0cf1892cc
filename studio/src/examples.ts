import booking from '../../examples/flows/booking.json';
import loyalty from '../../examples/flows/loyalty.json';
import support from '../../examples/flows/support.json';
import { toDoc, type FlowDoc } from './flow/doc';

/** The example flows of `examples/flows/`, bundled in: a new flow may start from one of them. */
export const exampleFlows: readonly { name: string; label: string; flow: () => FlowDoc }[] = [
  { name: 'loyalty', label: 'Loyalty bot (paid generations, points)', flow: () => withoutSchemaPath(loyalty) },
  { name: 'booking', label: 'Booking bot (dates, confirmation)', flow: () => withoutSchemaPath(booking) },
  { name: 'support', label: 'Support bot (HTTP lookup, hand-over)', flow: () => withoutSchemaPath(support) },
];

/** `$schema` in the files is a path relative to the repository, meaningless in a saved draft. */
function withoutSchemaPath(json: unknown): FlowDoc {
  const { $schema: _path, ...flow } = toDoc(structuredClone(json));
  return flow as FlowDoc;
}
