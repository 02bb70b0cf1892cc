// The workflows the worker runs. Only deterministic code may be imported here: this file is
// bundled into Temporal's workflow sandbox.
export { chatWorkflow } from './chat/chat-workflow';
export { generationWorkflow } from './generation';
export { paymentRefundWorkflow } from './payment-refund';
