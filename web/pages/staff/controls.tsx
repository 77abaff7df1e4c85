/**
 * Form controls for lists with one form per row (a queue's decisions): ui.tsx's fields take
 * their id from their name, which would repeat on such a page; these take an explicit id.
 * The error still shows beside its control.
 */
import type { FC } from 'hono/jsx';
import { AppError } from '../../../workflows/lib/errors.js';
import { FieldError } from '../../ui.js';

interface RowControl {
  id: string;
  name: string;
  label: string;
  error?: string;
  value?: string;
  hint?: string;
}

const describedBy = (p: RowControl) => [p.hint ? `${p.id}-hint` : '', p.error ? `${p.id}-error` : ''].filter(Boolean).join(' ') || undefined;

export const RowTextArea: FC<RowControl & { rows?: number }> = (p) => (
  <p class="field">
    <label for={p.id}>{p.label}</label>
    <textarea id={p.id} name={p.name} rows={p.rows ?? 2} aria-invalid={p.error ? 'true' : undefined} aria-describedby={describedBy(p)}>
      {p.value ?? ''}
    </textarea>
    {p.hint ? <small id={`${p.id}-hint`}>{p.hint}</small> : null}
    <FieldError id={`${p.id}-error`} error={p.error} />
  </p>
);

export const RowSelect: FC<RowControl & { options: [value: string, label: string][] }> = (p) => (
  <p class="field">
    <label for={p.id}>{p.label}</label>
    <select id={p.id} name={p.name} aria-invalid={p.error ? 'true' : undefined} aria-describedby={describedBy(p)}>
      {p.options.map(([value, label]) => (
        <option value={value} selected={(p.value ?? '') === value}>
          {label}
        </option>
      ))}
    </select>
    <FieldError id={`${p.id}-error`} error={p.error} />
  </p>
);

/** What a row's form shows after a refused send: its fields' errors, or one message for the form. */
export interface RowErrors {
  /** Which row the errors belong to (an offer's id, an order's, a workflow's). */
  key: string;
  fields: Record<string, string>;
  message?: string;
  /** What was typed, sent back into the form. */
  form: Record<string, string | string[]>;
}

export const errorsFor = (errors: RowErrors | undefined, key: string): RowErrors | undefined => (errors?.key === key ? errors : undefined);

/** An id in the path: digits within an int4 column's range, else the 404 page. */
export function pathId(value: string | undefined): number {
  const id = /^[1-9]\d{0,9}$/.test(value ?? '') ? Number(value) : 0;
  if (!id || id > 2_147_483_647) throw new AppError('not_found', 'no such page');
  return id;
}
