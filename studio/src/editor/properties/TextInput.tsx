import { useLayoutEffect, useMemo, useRef, useState, type KeyboardEvent } from 'react';
import type { DocVariable } from '../../flow/doc';
import type { TextKind } from './form-model';
import { applySuggestion, suggest, type SuggestionList } from './suggestions';

interface TextInputProps {
  id: string;
  value: string;
  kind: TextKind;
  roots: readonly string[];
  multiline: boolean;
  variables: readonly DocVariable[];
  /** Names offered by a plain list (variables for a `variable` field, node ids for a `node` field). */
  choices: readonly string[];
  invalid: boolean;
  describedBy?: string;
  onChange(value: string): void;
}

/**
 * A text field; templates and expressions get a list of the names they may read under the field
 * (declared variables, context fields, functions), chosen with the mouse or the arrow keys and Enter.
 */
export function TextInput(props: TextInputProps) {
  const { id, value, kind, roots, multiline, variables, choices, invalid, describedBy, onChange } = props;
  const ref = useRef<HTMLInputElement & HTMLTextAreaElement>(null);
  const [caret, setCaret] = useState<number | null>(null);
  const [active, setActive] = useState(0);
  const list: SuggestionList | null = useMemo(
    () => (caret === null ? null : suggest(kind, roots, value, caret, variables)),
    [caret, kind, roots, value, variables],
  );
  const listId = `${id}-suggestions`;
  // The caret after a chosen suggestion, placed as soon as React has put the new text in the field
  // (in the same commit: a keystroke that follows at once lands after the suggestion, not before).
  const pendingCaret = useRef<{ text: string; caret: number } | null>(null);
  useLayoutEffect(() => {
    const pending = pendingCaret.current;
    if (!pending || pending.text !== value) return;
    pendingCaret.current = null;
    ref.current?.focus();
    ref.current?.setSelectionRange(pending.caret, pending.caret);
  }, [value]);

  const choose = (index: number) => {
    const item = list?.items[index];
    if (!list || !item) return;
    const next = applySuggestion(value, list, item);
    if (next.text === value) ref.current?.setSelectionRange(next.caret, next.caret);
    else pendingCaret.current = next;
    onChange(next.text);
    setCaret(next.caret);
    setActive(0);
  };

  const onKeyDown = (event: KeyboardEvent) => {
    if (!list) return;
    if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      event.preventDefault();
      const n = list.items.length;
      setActive((a) => (a + (event.key === 'ArrowDown' ? 1 : n - 1)) % n);
    } else if (event.key === 'Enter' || event.key === 'Tab') {
      event.preventDefault();
      choose(active);
    } else if (event.key === 'Escape') {
      setCaret(null);
    }
  };

  const common = {
    id,
    ref,
    value,
    'aria-invalid': invalid,
    'aria-describedby': describedBy,
    'aria-autocomplete': kind === 'template' || kind === 'expression' ? ('list' as const) : undefined,
    'aria-controls': list ? listId : undefined,
    spellCheck: kind === 'plain' || kind === 'template',
    onChange: (event: { target: { value: string; selectionStart: number | null } }) => {
      onChange(event.target.value);
      setCaret(event.target.selectionStart);
      setActive(0);
    },
    onKeyDown,
    onSelect: (event: { currentTarget: { selectionStart: number | null } }) => setCaret(event.currentTarget.selectionStart),
    // A click on a suggestion comes after the blur; the list stays until then.
    onBlur: () => setTimeout(() => setCaret(null), 150),
  };
  return (
    <div className="text-input">
      {multiline ? (
        <textarea {...common} rows={Math.min(8, Math.max(3, value.split('\n').length + 1))} />
      ) : (
        <input type="text" {...common} list={choices.length > 0 ? `${id}-choices` : undefined} />
      )}
      {choices.length > 0 && (
        <datalist id={`${id}-choices`}>
          {choices.map((c) => (
            <option key={c} value={c} />
          ))}
        </datalist>
      )}
      {list && (
        <ul className="suggestions" id={listId} role="listbox" aria-label="suggestions">
          {list.items.map((item, index) => (
            <li
              key={item.text}
              role="option"
              aria-selected={index === active}
              onMouseDown={(event) => {
                event.preventDefault();
                choose(index);
              }}
            >
              <code>{item.text}</code> <span className="suggestion-detail">{item.detail}</span>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
