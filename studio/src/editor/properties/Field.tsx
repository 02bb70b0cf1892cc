import { createContext, useContext, useEffect, useRef, useState } from 'react';
import type { DocVariable } from '../../flow/doc';
import { emptyValue, humanDuration, pathKey, type FieldSpec, type Path, type ScalarType } from './form-model';
import { TextInput } from './TextInput';

/** What every field of one form needs besides its own value. */
export interface FormState {
  /** Prefix of the controls' ids (unique per form). */
  idPrefix: string;
  variables: readonly DocVariable[];
  nodeIds: readonly string[];
  /** Problem messages by field (`pathKey`). */
  problems: ReadonlyMap<string, readonly string[]>;
  /** The field to scroll to and highlight (`pathKey`), or null. */
  focus: string | null;
  /** Sets the value at `path` (undefined removes it); typing in one field passes the same `coalesce` key. */
  change(path: Path, value: unknown, coalesce?: string): void;
}

export const FormContext = createContext<FormState | null>(null);

function useForm(): FormState {
  const form = useContext(FormContext);
  if (!form) throw new Error('Field outside a form');
  return form;
}

/**
 * Bumped whenever a field gains focus: typing in one field merges into one undo step only until one
 * leaves it, so coming back and typing again is a step of its own.
 */
let typingSession = 0;
const typingKey = (path: Path) => `field:${pathKey(path)}:${typingSession}`;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Friendlier names for list items: `rows` hold rows, a row holds buttons. */
const itemNames: Record<string, string> = { rows: 'row', cases: 'case', saveResponse: 'mapping', accept: 'value' };

export interface FieldProps {
  spec: FieldSpec;
  path: Path;
  value: unknown;
  label: string;
  description?: string;
  required?: boolean;
  defaultValue?: unknown;
  /** Inside a list or map an emptied text stays '' (the item stays); as a property it is removed. */
  inList?: boolean;
}

/** One field: its label (required ones marked), its control, its description and its problems. */
export function Field(props: FieldProps) {
  const { spec, path, label, description, required } = props;
  const form = useForm();
  const key = pathKey(path);
  const id = `${form.idPrefix}-${key.replace(/[^A-Za-z0-9_-]/g, '_') || 'root'}`;
  const messages = form.problems.get(key) ?? [];
  const focused = form.focus === key;
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!focused || !ref.current) return;
    ref.current.scrollIntoView({ block: 'center' });
    ref.current.querySelector<HTMLElement>('input, textarea, select')?.focus({ preventScroll: true });
  }, [focused]);
  if (spec.kind === 'const') return null;
  const group = spec.kind === 'object' || spec.kind === 'array' || spec.kind === 'map' || spec.kind === 'variants';
  return (
    <div
      ref={ref}
      className={['field', `field-${spec.kind}`, focused ? 'focused' : '', messages.length > 0 ? 'has-problem' : ''].join(' ')}
      data-field={key}
      onFocus={() => typingSession++}
    >
      {label !== '' && (
        <label htmlFor={group ? undefined : id} className="field-label">
          {label}
          {required && (
            <span className="required" title="required" aria-hidden="true">
              *
            </span>
          )}
        </label>
      )}
      <Control {...props} id={id} invalid={messages.length > 0} describedBy={description ? `${id}-description` : undefined} />
      {description && (
        <p className="field-description" id={`${id}-description`}>
          {description}
        </p>
      )}
      {messages.map((message, index) => (
        <p key={index} className="field-problem">
          {message}
        </p>
      ))}
    </div>
  );
}

interface ControlProps extends FieldProps {
  id: string;
  invalid: boolean;
  describedBy: string | undefined;
}

function Control(props: ControlProps) {
  const { spec, path, value, id, invalid, describedBy, required, defaultValue, inList } = props;
  const form = useForm();
  // Read when the edit happens: a focus does not re-render, so a key fixed at render time would be stale.
  const coalesce = () => typingKey(path);
  switch (spec.kind) {
    case 'text':
      return (
        <TextInput
          id={id}
          value={typeof value === 'string' ? value : value === undefined || value === null ? '' : JSON.stringify(value)}
          kind={spec.textKind}
          roots={spec.roots}
          multiline={spec.multiline}
          variables={form.variables}
          choices={
            spec.textKind === 'variable' ? form.variables.map((v) => `${v.scope}.${v.name}`) : spec.textKind === 'node' ? form.nodeIds : []
          }
          invalid={invalid}
          describedBy={describedBy}
          onChange={(text) => form.change(path, text === '' && !inList ? undefined : text, coalesce())}
        />
      );
    case 'number':
      return (
        <span className="number-input">
          <input
            id={id}
            type="number"
            value={typeof value === 'number' ? value : ''}
            placeholder={typeof defaultValue === 'number' ? String(defaultValue) : undefined}
            min={spec.min}
            max={spec.max}
            step={spec.integer ? 1 : 'any'}
            aria-invalid={invalid}
            aria-describedby={describedBy}
            onChange={(e) => form.change(path, e.target.value === '' ? undefined : Number(e.target.value), coalesce())}
          />
          {spec.duration && (
            <span className="hint" data-testid="duration-hint">
              {typeof value === 'number'
                ? `= ${humanDuration(value)}`
                : typeof defaultValue === 'number'
                  ? `default ${humanDuration(defaultValue)}`
                  : ''}
            </span>
          )}
        </span>
      );
    case 'boolean':
      return (
        <input
          id={id}
          type="checkbox"
          checked={typeof value === 'boolean' ? value : defaultValue === true}
          aria-describedby={describedBy}
          onChange={(e) => form.change(path, e.target.checked)}
        />
      );
    case 'enum':
      return (
        <select
          id={id}
          value={typeof value === 'string' ? value : ''}
          aria-invalid={invalid}
          aria-describedby={describedBy}
          onChange={(e) => form.change(path, e.target.value === '' ? undefined : e.target.value)}
        >
          {(!required || typeof value !== 'string') && (
            <option value="">{typeof defaultValue === 'string' ? `(default: ${defaultValue})` : required ? '(choose)' : '(none)'}</option>
          )}
          {spec.options.map((option) => (
            <option key={option} value={option}>
              {option}
            </option>
          ))}
        </select>
      );
    case 'scalar':
      return <ScalarControl {...props} types={spec.types} />;
    case 'object':
      return (
        <div className="field-group">
          {spec.properties.map((p) => (
            <Field
              key={p.key}
              spec={p.spec}
              path={[...path, p.key]}
              value={isObject(value) ? value[p.key] : undefined}
              label={p.key}
              description={p.description}
              required={p.required}
              defaultValue={p.default}
            />
          ))}
        </div>
      );
    case 'array':
      return <ArrayControl {...props} spec={spec} />;
    case 'map':
      return <MapControl {...props} spec={spec} />;
    case 'variants': {
      const chosen = spec.variants.find((v) => isObject(value) && value[spec.discriminator] === v.value);
      return (
        <div className="field-group">
          <select
            id={id}
            aria-label={`${props.label} ${spec.discriminator}`}
            value={chosen?.value ?? ''}
            onChange={(e) => {
              const variant = spec.variants.find((v) => v.value === e.target.value);
              form.change(path, variant ? emptyValue(variant.spec) : undefined);
            }}
          >
            <option value="">(none)</option>
            {spec.variants.map((v) => (
              <option key={v.value} value={v.value} title={v.description}>
                {v.value}
              </option>
            ))}
          </select>
          {chosen?.description && <p className="field-description">{chosen.description}</p>}
          {chosen && <Control {...props} spec={chosen.spec} />}
        </div>
      );
    }
    case 'const':
      return null;
    case 'json':
      return <JsonControl {...props} />;
  }
}

function ArrayControl(props: ControlProps & { spec: Extract<FieldSpec, { kind: 'array' }> }) {
  const { spec, path, value, label, required } = props;
  const form = useForm();
  const items = Array.isArray(value) ? (value as unknown[]) : [];
  const itemName =
    itemNames[String(path[path.length - 1])] ??
    (path.length >= 2 && itemNames[String(path[path.length - 2])] === 'row' ? 'button' : 'item');
  const full = spec.maxItems !== undefined && items.length >= spec.maxItems;
  const set = (next: unknown[]) => form.change(path, next.length === 0 && !required ? undefined : next);
  return (
    <div className="field-group field-list">
      {items.map((item, index) => (
        <div key={index} className={`list-item ${spec.item.kind === 'array' ? 'list-item-row' : ''}`}>
          <Field spec={spec.item} path={[...path, index]} value={item} label={`${itemName} ${index + 1}`} inList />
          <div className="list-item-actions">
            {index > 0 && (
              <button
                type="button"
                className="small"
                onClick={() => set(move(items, index, index - 1))}
                aria-label={`move ${itemName} ${index + 1} up`}
              >
                ↑
              </button>
            )}
            <button
              type="button"
              className="small"
              onClick={() => set(items.filter((_, i) => i !== index))}
              aria-label={`remove ${itemName} ${index + 1}`}
            >
              Remove {itemName}
            </button>
          </div>
        </div>
      ))}
      <button type="button" className="small add" disabled={full} onClick={() => set([...items, emptyValue(spec.item)])}>
        Add {itemName}
        {label && itemName === 'item' ? ` to ${label}` : ''}
      </button>
    </div>
  );
}

const move = <T,>(items: readonly T[], from: number, to: number): T[] => {
  const next = [...items];
  const [item] = next.splice(from, 1);
  next.splice(to, 0, item as T);
  return next;
};

function MapControl(props: ControlProps & { spec: Extract<FieldSpec, { kind: 'map' }> }) {
  const { spec, path, value, required } = props;
  const form = useForm();
  const entries = isObject(value) ? Object.entries(value) : [];
  const set = (next: [string, unknown][]) => form.change(path, next.length === 0 && !required ? undefined : Object.fromEntries(next));
  const freeName = () => {
    const taken = new Set(entries.map(([k]) => k));
    for (let i = 1; ; i++) if (!taken.has(`name${i}`)) return `name${i}`;
  };
  return (
    <div className="field-group field-map">
      {entries.map(([key, item], index) => (
        <div key={index} className="map-entry">
          <input
            className="map-key"
            aria-label={`name of entry ${index + 1}`}
            value={key}
            pattern={spec.keyPattern}
            onChange={(e) => {
              const name = e.target.value;
              // Two entries cannot share a name: the rename waits until the name is free.
              if (entries.some(([k], i) => k === name && i !== index)) return;
              set(entries.map(([k, v], i) => (i === index ? [name, v] : [k, v])));
            }}
          />
          <Field spec={spec.value} path={[...path, key]} value={item} label={`value of ${key || 'entry'}`} inList />
          <button type="button" className="small" onClick={() => set(entries.filter((_, i) => i !== index))} aria-label={`remove ${key}`}>
            Remove
          </button>
        </div>
      ))}
      <button type="button" className="small add" onClick={() => set([...entries, [freeName(), emptyValue(spec.value)]])}>
        Add entry
      </button>
    </div>
  );
}

const scalarTypeOf = (v: unknown): ScalarType =>
  v === null || v === undefined ? 'null' : typeof v === 'number' ? 'number' : typeof v === 'boolean' ? 'boolean' : 'string';

/** A value of one of a few JSON types: the type, then the value in a control for it. */
function ScalarControl(props: ControlProps & { types: readonly ScalarType[] }) {
  const { types, path, value, id, invalid, describedBy } = props;
  const form = useForm();
  const type = value === undefined && types.includes('string') ? 'string' : scalarTypeOf(value);
  // Read when the edit happens: a focus does not re-render, so a key fixed at render time would be stale.
  const coalesce = () => typingKey(path);
  const convert = (to: ScalarType): unknown =>
    to === 'null'
      ? null
      : to === 'boolean'
        ? Boolean(value)
        : to === 'number'
          ? Number(value) || 0
          : value === null || value === undefined
            ? ''
            : String(value);
  return (
    <span className="scalar-input">
      <select aria-label={`type of ${props.label}`} value={type} onChange={(e) => form.change(path, convert(e.target.value as ScalarType))}>
        {types.map((t) => (
          <option key={t} value={t}>
            {t === 'string' ? 'text' : t}
          </option>
        ))}
      </select>
      {type === 'string' && (
        <input
          id={id}
          type="text"
          value={typeof value === 'string' ? value : ''}
          aria-invalid={invalid}
          aria-describedby={describedBy}
          onChange={(e) => form.change(path, e.target.value, coalesce())}
        />
      )}
      {type === 'number' && (
        <input
          id={id}
          type="number"
          step="any"
          value={typeof value === 'number' ? value : ''}
          aria-invalid={invalid}
          aria-describedby={describedBy}
          onChange={(e) => form.change(path, e.target.value === '' ? 0 : Number(e.target.value), coalesce())}
        />
      )}
      {type === 'boolean' && (
        <select id={id} value={String(value === true)} onChange={(e) => form.change(path, e.target.value === 'true')}>
          <option value="true">true</option>
          <option value="false">false</option>
        </select>
      )}
    </span>
  );
}

/** The fallback for shapes the form cannot draw: the value as JSON, applied whenever it parses. */
export function JsonControl(props: { path: Path; value: unknown; id: string; invalid?: boolean; describedBy?: string | undefined }) {
  const { path, value, id, invalid, describedBy } = props;
  const form = useForm();
  const shown = value === undefined ? '' : JSON.stringify(value, null, 2);
  const [text, setText] = useState(shown);
  const [bad, setBad] = useState(false);
  // An outside change (undo, another field) replaces the text unless it is what the text already says.
  useEffect(() => {
    setText((current) => {
      try {
        if (current.trim() !== '' && JSON.stringify(JSON.parse(current)) === JSON.stringify(value)) return current;
      } catch {
        // Unparsable text being typed: replaced by the new value.
      }
      return shown;
    });
  }, [shown, value]);
  return (
    <>
      <textarea
        id={id}
        className="json-input"
        rows={Math.min(10, Math.max(2, text.split('\n').length))}
        value={text}
        spellCheck={false}
        aria-invalid={invalid || bad}
        aria-describedby={describedBy}
        onChange={(e) => {
          setText(e.target.value);
          if (e.target.value.trim() === '') {
            setBad(false);
            form.change(path, undefined, typingKey(path));
            return;
          }
          try {
            form.change(path, JSON.parse(e.target.value), typingKey(path));
            setBad(false);
          } catch {
            setBad(true);
          }
        }}
      />
      {bad && <p className="field-problem">Not valid JSON yet: the last valid value is kept.</p>}
    </>
  );
}
