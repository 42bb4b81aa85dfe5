// One setting, drawn from its catalog entry (GET /settings): the control follows `type`, the label is the
// setting's description, with its key and default underneath. Edits are drafts until the section is saved.
import { useId, useState, type ReactNode } from "react";
import type { SettingOut } from "../../api/types";
import { Badge, Button, inputClass } from "../ui";
import { ProviderTest } from "./ProviderTest";

/** What the user changed: a number field's draft is its text (checked on save). */
export type Draft = unknown;

export function formatDefault(s: SettingOut): string {
  const d = s.default;
  if (s.secret) return "not set";
  if (s.type === "bool") return d ? "on" : "off";
  if (Array.isArray(d)) {
    if (d.length === 0) return "none";
    if (s.choices.length && d.length === s.choices.length) return `all ${d.length}`;
    if (d.length <= 6) return d.join(", ");
    return `${d.length} items (${d.slice(0, 3).join(", ")}, …)`;
  }
  if (d === "" || d === null || d === undefined) return "empty";
  return `${String(d)}${s.unit ? ` ${s.unit}` : ""}`;
}

function range(s: SettingOut): string {
  const unit = s.unit ? ` ${s.unit}` : "";
  if (s.minimum !== null && s.maximum !== null) return `${s.minimum}–${s.maximum}${unit}`;
  if (s.minimum !== null) return `at least ${s.minimum}${unit}`;
  if (s.maximum !== null) return `at most ${s.maximum}${unit}`;
  return "";
}

/** Keys named <provider>_api_key get a "Test <provider>" button; *_provider choices test the chosen one. */
export function keyProvider(s: SettingOut): string | null {
  return s.secret && s.key.endsWith("_api_key") ? s.key.slice(0, -"_api_key".length) : null;
}

function isProviderChoice(s: SettingOut): boolean {
  return s.type === "enum" && s.key.endsWith("_provider");
}

function asList(v: unknown): string[] {
  return Array.isArray(v) ? v.map(String) : [];
}

export function SettingField({
  setting: s, draft, onDraft, error, editable, canTest,
}: {
  setting: SettingOut;
  /** undefined: unchanged. */
  draft: Draft | undefined;
  /** undefined: back to the saved value. */
  onDraft: (value: Draft | undefined) => void;
  error?: string;
  editable: boolean;
  canTest: boolean;
}) {
  const id = useId();
  const errId = `${id}-error`;
  const described = error ? errId : undefined;
  const changed = draft !== undefined;
  const current = changed ? draft : s.value;
  const wide = s.type === "string_list";

  const meta = (
    <div className="mt-1 flex flex-wrap gap-x-3 text-xs text-slate-400">
      <code>{s.key}</code>
      <span>default: {formatDefault(s)}</span>
      {s.updated_by ? <span>changed by {s.updated_by}</span> : null}
      {changed ? <span className="text-yellow-700">unsaved</span> : null}
    </div>
  );
  const errorLine = error ? (
    <div id={errId} role="alert" className="mt-1 text-xs text-red-700">{error}</div>
  ) : null;
  const setIfChanged = (value: unknown, same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b)) =>
    onDraft(same(value, s.value) ? undefined : value);
  const sameSet = (a: unknown, b: unknown) =>
    JSON.stringify(asList(a).map((x) => x.toLowerCase()).sort()) === JSON.stringify(asList(b).map((x) => x.toLowerCase()).sort());

  let control: ReactNode;
  let label: ReactNode = (
    <label id={`${id}-label`} htmlFor={id} className="mb-1 block text-sm font-medium text-slate-700">{s.description}</label>
  );
  switch (s.type) {
    case "bool":
      label = null;
      control = (
        <div className="flex items-start gap-2">
          <input
            id={id}
            type="checkbox"
            className="mt-0.5"
            checked={Boolean(current)}
            disabled={!editable}
            aria-invalid={error ? true : undefined}
            aria-describedby={described}
            onChange={(e) => setIfChanged(e.target.checked)}
          />
          <label htmlFor={id} className="text-sm font-medium text-slate-700">{s.description}</label>
        </div>
      );
      break;
    case "int":
    case "float": {
      const shown = changed ? String(draft) : s.value === null || s.value === undefined ? "" : String(s.value);
      const bounds = range(s);
      control = (
        <div className="flex items-center gap-2">
          <input
            id={id}
            type="number"
            className={`${inputClass} max-w-40`}
            value={shown}
            min={s.minimum ?? undefined}
            max={s.maximum ?? undefined}
            step={s.type === "int" ? 1 : "any"}
            disabled={!editable}
            aria-invalid={error ? true : undefined}
            aria-describedby={described}
            onChange={(e) => onDraft(e.target.value === String(s.value ?? "") ? undefined : e.target.value)}
          />
          {s.unit ? <span className="text-sm text-slate-600">{s.unit}</span> : null}
          {bounds ? <span className="text-xs text-slate-400">({bounds})</span> : null}
        </div>
      );
      break;
    }
    case "enum": {
      const value = String(current ?? "");
      const choices = s.choices.includes(value) || value === "" ? s.choices : [value, ...s.choices];
      control = (
        <div className="flex flex-wrap items-start gap-2">
          <select
            id={id}
            className={`${inputClass} max-w-64`}
            value={value}
            disabled={!editable}
            aria-invalid={error ? true : undefined}
            aria-describedby={described}
            onChange={(e) => setIfChanged(e.target.value)}
          >
            {choices.map((c) => (
              <option key={c} value={c}>{c}</option>
            ))}
          </select>
          {canTest && isProviderChoice(s) && value ? (
            <ProviderTest provider={value} label="Test selected provider" unsaved={changed} />
          ) : null}
        </div>
      );
      break;
    }
    case "secret": {
      const clearing = draft === "";
      const provider = keyProvider(s);
      control = (
        <div className="space-y-1.5">
          <div className="flex flex-wrap items-center gap-2">
            <input
              id={id}
              type="password"
              autoComplete="new-password"
              className={`${inputClass} max-w-80`}
              value={typeof draft === "string" ? draft : ""}
              placeholder={clearing ? "Will be removed" : s.is_set ? String(s.value ?? "") : "Not set"}
              disabled={!editable}
              aria-invalid={error ? true : undefined}
              aria-describedby={described}
              onChange={(e) => onDraft(e.target.value === "" ? undefined : e.target.value)}
            />
            <Badge tone={s.is_set ? "green" : "gray"}>{s.is_set ? "Set" : "Not set"}</Badge>
            {editable && s.is_set ? (
              clearing ? (
                <Button variant="ghost" onClick={() => onDraft(undefined)}>Keep</Button>
              ) : (
                <Button variant="ghost" className="text-red-700" onClick={() => onDraft("")}>Clear</Button>
              )
            ) : null}
          </div>
          {clearing ? <div className="text-xs text-yellow-700">The saved key will be removed when you save.</div> : null}
          {canTest && provider ? <ProviderTest provider={provider} unsaved={changed} /> : null}
        </div>
      );
      break;
    }
    case "string_list":
      if (s.choices.length) {
        label = null;
        control = (
          <ChoiceList
            setting={s}
            values={asList(current)}
            editable={editable}
            describedBy={described}
            onChange={(next) => setIfChanged(next, sameSet)}
          />
        );
      } else {
        control = (
          <ChipList id={id} values={asList(current)} editable={editable} describedBy={described}
            onChange={(next) => setIfChanged(next)} />
        );
      }
      break;
    default:
      control = (
        <input
          id={id}
          type="text"
          className={inputClass}
          value={String(current ?? "")}
          disabled={!editable}
          aria-invalid={error ? true : undefined}
          aria-describedby={described}
          onChange={(e) => setIfChanged(e.target.value)}
        />
      );
  }

  return (
    <div className={`${wide ? "md:col-span-2" : ""} rounded-md ${changed ? "bg-yellow-50/60" : ""} p-1`}>
      {label}
      {control}
      {errorLine}
      {meta}
    </div>
  );
}

/** A list with fixed choices (target states, enabled sources): a checkbox each, with All / None. */
function ChoiceList({
  setting: s, values, editable, describedBy, onChange,
}: {
  setting: SettingOut; values: string[]; editable: boolean; describedBy?: string; onChange: (next: string[]) => void;
}) {
  const chosen = new Set(values.map((v) => v.toLowerCase()));
  const many = s.choices.length > 12;
  return (
    <fieldset aria-describedby={describedBy}>
      <legend className="mb-1 text-sm font-medium text-slate-700">{s.description}</legend>
      <div className="mb-1.5 flex items-center gap-2 text-xs text-slate-500">
        <span>{values.length} of {s.choices.length} selected</span>
        {editable ? (
          <>
            <Button variant="ghost" onClick={() => onChange([...s.choices])}>All</Button>
            <Button variant="ghost" onClick={() => onChange([])}>None</Button>
          </>
        ) : null}
      </div>
      <div className={many ? "grid grid-cols-6 gap-1 sm:grid-cols-9 lg:grid-cols-13" : "flex flex-wrap gap-2"}>
        {s.choices.map((c) => {
          const on = chosen.has(c.toLowerCase());
          return (
            <label
              key={c}
              className={`flex cursor-pointer items-center gap-1 rounded-md px-2 py-1 text-xs ring-1 ring-inset ${
                on ? "bg-blue-50 text-blue-800 ring-blue-300" : "bg-white text-slate-600 ring-slate-200"
              } ${editable ? "" : "cursor-not-allowed opacity-80"}`}
            >
              <input
                type="checkbox"
                checked={on}
                disabled={!editable}
                onChange={(e) =>
                  onChange(e.target.checked ? s.choices.filter((x) => chosen.has(x.toLowerCase()) || x === c)
                    : values.filter((v) => v.toLowerCase() !== c.toLowerCase()))
                }
              />
              {c}
            </label>
          );
        })}
      </div>
    </fieldset>
  );
}

/** A free-text list (job titles, keywords): chips with ×, and a box where Enter adds one. */
function ChipList({
  id, values, editable, describedBy, onChange,
}: {
  id: string; values: string[]; editable: boolean; describedBy?: string;
  onChange: (next: string[]) => void;
}) {
  const [text, setText] = useState("");
  const add = () => {
    const item = text.trim();
    if (!item) return;
    if (!values.some((v) => v.toLowerCase() === item.toLowerCase())) onChange([...values, item]);
    setText("");
  };
  return (
    <div>
      <div className="mb-1.5 flex max-h-40 flex-wrap gap-1.5 overflow-y-auto">
        {values.length === 0 ? <span className="text-xs text-slate-400">No items.</span> : null}
        {values.map((v) => (
          <span key={v} className="inline-flex items-center gap-1 rounded-full bg-slate-100 py-0.5 pl-2.5 pr-1 text-xs text-slate-700">
            {v}
            {editable ? (
              <button
                type="button"
                aria-label={`Remove ${v}`}
                className="rounded-full px-1 text-slate-500 hover:bg-slate-200 hover:text-slate-900"
                onClick={() => onChange(values.filter((x) => x !== v))}
              >
                ×
              </button>
            ) : null}
          </span>
        ))}
      </div>
      <div className="flex gap-2">
        <input
          id={id}
          type="text"
          className={`${inputClass} max-w-80`}
          placeholder={editable ? "Type and press Enter to add" : ""}
          value={text}
          disabled={!editable}
          aria-describedby={describedBy}
          onChange={(e) => setText(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === "Enter") {
              e.preventDefault();
              add();
            }
          }}
        />
        {editable ? <Button onClick={add} disabled={!text.trim()}>Add</Button> : null}
      </div>
      <div className="mt-0.5 text-xs text-slate-400">{values.length} items</div>
    </div>
  );
}
