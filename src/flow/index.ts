// The flow language: what a bot's flow may contain, how it is checked before publishing, and
// how its templates and conditions are evaluated. Pure code without I/O, clock or randomness,
// importable from the chat workflow (Temporal's sandbox) and from the API.
export {
  compileExpression,
  compileTemplate,
  evaluateExpression,
  renderTemplate,
  referencedVariables,
  expressionFunctions,
  expressionLimits,
  isTruthy,
  PARSE_MODES,
  ExpressionError,
  ExpressionRuntimeError,
  ExpressionSyntaxError,
  type CompiledExpression,
  type CompiledTemplate,
  type ExpressionErrorCode,
  type NameReference,
  type RenderOptions,
  type ScopeInput,
  type ParseMode,
  type Value,
} from './expression';
export { edgeHandle, outputHandles } from './handles';
export { flowJsonSchema } from './json-schema';
export { NEXT } from './next-handle';
export { isNodeType, nodeCatalogue, nodeTypes, type NodeCategory, type NodeData, type NodeType } from './nodes';
export { parseFlow, type ParseResult } from './parse';
export { formatPath, hasErrors, problemCodes, type Problem, type ProblemCode, type ProblemPath, type Severity } from './problems';
export { compileAuthorRegex } from './regex';
export {
  edgeSchema,
  flowNodeSchema,
  flowVersionSchema,
  settingsSchema,
  variableSchema,
  type FlowEdge,
  type FlowNode,
  type FlowNodeInput,
  type FlowSettings,
  type FlowVersion,
  type FlowVersionInput,
  type NodeOf,
  type VariableDeclaration,
  type VariableType,
} from './schema';
export { contextRoots, fieldRoots, scopeDescriptions, variableScopes, type VariableScope } from './scope';
export {
  applyVariableUpdate,
  jsonBytes,
  MAX_CHAT_VARIABLES_BYTES,
  MAX_KNOWN_USERS,
  MAX_LIST_ITEMS,
  MAX_RUN_VARIABLES_BYTES,
  MAX_VALUE_BYTES,
  VariableUpdateError,
} from './variables';
export { checkFlow, validateFlow, type CheckResult } from './validator';
export { diffFlows, type FlowDiff } from './diff';
