import { useContext, useEffect, useMemo, useRef } from 'react';
import { z } from 'zod';
import { variableSchema } from '../../../src/flow';
import type { DocVariable, FlowDoc } from '../flow/doc';
import { useEditor } from './editor-context';
import { Field, FormContext, JsonControl, type FormState } from './properties/Field';
import { fieldFor, formSpec, renderedPaths, setIn, type Path, type PropertySpec } from './properties/form-model';
import './properties/properties.css';

/** The variable form, from the same zod schema the validator checks declarations with. */
const variableForm = formSpec(z.toJSONSchema(variableSchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>);

const updateVariables = (doc: FlowDoc, change: (variables: DocVariable[]) => DocVariable[]): FlowDoc => ({
  ...doc,
  variables: change(doc.variables),
});

function freeName(variables: readonly DocVariable[]): string {
  const taken = new Set(variables.map((v) => v.name));
  for (let i = 1; ; i++) if (!taken.has(`var${i}`)) return `var${i}`;
}

/**
 * The flow's declared variables: add, edit and remove them. A half-finished declaration is kept in
 * the draft as it is; the problems list says what is wrong with it.
 */
export function VariablesPanel() {
  const { doc, history, readOnly, problems, focusPath } = useEditor();
  const focusedVariable = focusPath?.[0] === 'variables' && typeof focusPath[1] === 'number' ? focusPath[1] : null;
  const add = () => history.apply((d) => updateVariables(d, (vs) => [...vs, { name: freeName(vs), scope: 'run', type: 'string' }]));
  return (
    <div className="variables-panel" data-testid="variables">
      <p className="hint">
        Templates and expressions may read only declared variables, as <code>scope.name</code>: <code>run</code> lasts one run,{' '}
        <code>chat</code> the conversation, <code>user</code> the user on this bot, <code>bot</code> is shared by everyone.
      </p>
      {doc.variables.length === 0 && <p className="empty">No variables declared.</p>}
      {doc.variables.map((variable, index) => (
        <VariableEntry
          key={index}
          variable={variable}
          index={index}
          focus={focusedVariable === index ? (focusPath?.slice(2) ?? []) : null}
          problems={problems.filter((p) => p.path[0] === 'variables' && p.path[1] === index)}
          readOnly={readOnly}
          edit={(change, coalesce) => history.apply((d) => updateVariables(d, change), coalesce)}
        />
      ))}
      {!readOnly && (
        <button type="button" onClick={add}>
          Add variable
        </button>
      )}
    </div>
  );
}

interface EntryProps {
  variable: DocVariable;
  index: number;
  focus: Path | null;
  problems: readonly { path: readonly (string | number)[]; message: string }[];
  readOnly: boolean;
  edit(change: (variables: DocVariable[]) => DocVariable[], coalesce?: string): void;
}

function VariableEntry({ variable, index, focus, problems, readOnly, edit }: EntryProps) {
  const ref = useRef<HTMLDivElement>(null);
  const drawn = useMemo(() => new Set(renderedPaths(variableForm, variable)), [variable]);
  const byField = useMemo(() => {
    const map = new Map<string, string[]>();
    for (const p of problems) {
      const key = fieldFor(p.path.slice(2), drawn);
      map.set(key, [...(map.get(key) ?? []), p.message]);
    }
    return map;
  }, [problems, drawn]);
  useEffect(() => {
    if (focus) ref.current?.scrollIntoView({ block: 'center' });
  }, [focus]);
  const form: FormState = {
    idPrefix: `variable-${index}`,
    variables: [],
    nodeIds: [],
    problems: byField,
    focus: focus ? fieldFor(focus, drawn) : null,
    change: (path, value, coalesce) =>
      edit(
        (vs) => vs.map((v, i) => (i === index ? (setIn(v, path, value) as DocVariable) : v)),
        coalesce && `variable:${index}:${coalesce}`,
      ),
  };
  const property = (key: string) => variableForm.properties.find((p) => p.key === key) as PropertySpec;
  const field = (key: string) => {
    const p = property(key);
    return (
      <Field
        spec={p.spec}
        path={[key]}
        value={variable[key]}
        label={key}
        description={p.description}
        required={p.required}
        defaultValue={p.default}
      />
    );
  };
  const title = `${variable.scope || '?'}.${variable.name || '?'}`;
  return (
    <div
      ref={ref}
      className={`variable-entry${focus ? ' focused' : ''}`}
      data-testid={`variable-${index}`}
      aria-label={`variable ${title}`}
    >
      <h4>
        {title}
        {!readOnly && (
          <button
            type="button"
            className="small"
            onClick={() => edit((vs) => vs.filter((_, i) => i !== index))}
            aria-label={`remove ${title}`}
          >
            Remove
          </button>
        )}
      </h4>
      <fieldset disabled={readOnly} className="properties-form">
        <FormContext.Provider value={form}>
          {byField.has('') && (
            <ul className="node-problems">
              {byField.get('')?.map((m, i) => (
                <li key={i} className="severity-error">
                  {m}
                </li>
              ))}
            </ul>
          )}
          {field('name')}
          {field('scope')}
          {field('type')}
          <DefaultField
            variable={variable}
            description={property('default').description}
            problems={byField.get('default') ?? []}
            focused={form.focus === 'default'}
          />
          {/* A TTL means nothing for run variables; one already set still shows, so the problem about it can be fixed. */}
          {(variable.scope !== 'run' || variable.ttlMs !== undefined) && field('ttlMs')}
          {field('description')}
        </FormContext.Provider>
      </fieldset>
    </div>
  );
}

/** The default value in a control for the variable's type: text, number, true/false, or JSON for lists and objects. */
function DefaultField(props: { variable: DocVariable; description?: string | undefined; problems: readonly string[]; focused: boolean }) {
  const { variable, description, problems, focused } = props;
  const form = useContext(FormContext) as FormState;
  const value = variable.default;
  const empty = value === undefined || value === null;
  if (variable.type === 'string' && (empty || typeof value === 'string'))
    return (
      <Field
        spec={{ kind: 'text', textKind: 'plain', multiline: false, roots: [] }}
        path={['default']}
        value={value}
        label="default"
        description={description}
      />
    );
  if (variable.type === 'number' && (empty || typeof value === 'number'))
    return (
      <Field
        spec={{ kind: 'number', integer: false, duration: false }}
        path={['default']}
        value={value}
        label="default"
        description={description}
      />
    );
  if (variable.type === 'boolean' && (empty || typeof value === 'boolean')) {
    // A choice of "true"/"false" whose answer is stored as a boolean.
    const asBoolean: FormState = { ...form, change: (path, v, c) => form.change(path, v === undefined ? undefined : v === 'true', c) };
    return (
      <FormContext.Provider value={asBoolean}>
        <Field
          spec={{ kind: 'enum', options: ['true', 'false'] }}
          path={['default']}
          value={empty ? undefined : String(value)}
          label="default"
          description={description}
        />
      </FormContext.Provider>
    );
  }
  const id = `${form.idPrefix}-default`;
  return (
    <div className={`field${problems.length > 0 ? ' has-problem' : ''}${focused ? ' focused' : ''}`} data-field="default">
      <label className="field-label" htmlFor={id}>
        default (JSON)
      </label>
      <JsonControl id={id} path={['default']} value={value} invalid={problems.length > 0} />
      {description && <p className="field-description">{description}</p>}
      {problems.map((m, i) => (
        <p key={i} className="field-problem">
          {m}
        </p>
      ))}
    </div>
  );
}
