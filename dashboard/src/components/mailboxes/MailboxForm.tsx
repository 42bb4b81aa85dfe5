// The "Add mailbox" / "Edit mailbox" modal: every field POST /mailboxes accepts, a 422 shown under the field
// it names. Editing sends only what changed; a blank password keeps the stored one.
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useId, useState, type ReactNode } from "react";
import { api, ApiError, call } from "../../api/client";
import type { MailboxInput, MailboxPatch, MailboxView, MailSecurity } from "../../api/types";
import { Button, ErrorNote, Modal, inputClass } from "../ui";
import { SECURITIES, SECURITY_LABELS } from "./lifecycle";

type FieldName =
  | "email" | "display_name" | "password" | "provider" | "smtp_host" | "smtp_port" | "smtp_security"
  | "smtp_username" | "imap_host" | "imap_port" | "imap_security" | "daily_send_limit" | "is_active";

interface FormState {
  email: string;
  display_name: string;
  password: string;
  provider: string;
  smtp_host: string;
  smtp_port: string;
  smtp_security: MailSecurity | "";
  smtp_username: string;
  imap_host: string;
  imap_port: string;
  imap_security: MailSecurity | "";
  daily_send_limit: string;
  is_active: boolean;
}

const PRESETS: Record<string, Partial<FormState>> = {
  gmail: { smtp_host: "smtp.gmail.com", smtp_port: "587", imap_host: "imap.gmail.com", imap_port: "993" },
  microsoft365: { smtp_host: "smtp.office365.com", smtp_port: "587", imap_host: "outlook.office365.com", imap_port: "993" },
};

function initial(mailbox: MailboxView | null): FormState {
  const s = (v: unknown) => (v === null || v === undefined ? "" : String(v));
  return {
    email: s(mailbox?.email),
    display_name: s(mailbox?.display_name),
    password: "",
    provider: mailbox ? s(mailbox.provider) : "smtp",
    smtp_host: s(mailbox?.smtp_host),
    smtp_port: mailbox ? s(mailbox.smtp_port) : "587",
    smtp_security: mailbox?.smtp_security ?? "",
    smtp_username: s(mailbox?.smtp_username),
    imap_host: s(mailbox?.imap_host),
    imap_port: s(mailbox?.imap_port),
    imap_security: mailbox?.imap_security ?? "",
    daily_send_limit: mailbox ? s(mailbox.daily_send_limit) : "30",
    is_active: mailbox?.is_active ?? true,
  };
}

/** "" → absent; "587" → 587; anything else is sent as typed so the gateway names the problem. */
function num(v: string): number | undefined {
  if (v.trim() === "") return undefined;
  const n = Number(v);
  return Number.isFinite(n) ? n : (v as unknown as number);
}

function createBody(f: FormState): MailboxInput {
  const body: Record<string, unknown> = {
    email: f.email.trim(),
    password: f.password,
    provider: f.provider.trim(),
    smtp_host: f.smtp_host.trim(),
    is_active: f.is_active,
  };
  const optional: [string, unknown][] = [
    ["display_name", f.display_name.trim() || undefined],
    ["smtp_port", num(f.smtp_port)],
    ["smtp_security", f.smtp_security || undefined],
    ["smtp_username", f.smtp_username.trim() || undefined],
    ["imap_host", f.imap_host.trim() || undefined],
    ["imap_port", num(f.imap_port)],
    ["imap_security", f.imap_security || undefined],
    ["daily_send_limit", num(f.daily_send_limit)],
  ];
  for (const [k, v] of optional) if (v !== undefined) body[k] = v;
  return body as unknown as MailboxInput;
}

/** Only the fields that changed; an emptied optional field is sent as null (cleared). */
function patchBody(f: FormState, before: FormState): MailboxPatch {
  const body: Record<string, unknown> = {};
  const text = (k: keyof FormState, clearable: boolean) => {
    const now = String(f[k]).trim();
    if (now === String(before[k]).trim()) return;
    body[k] = now === "" ? (clearable ? null : "") : now;
  };
  text("email", false);
  text("display_name", true);
  text("provider", false);
  text("smtp_host", false);
  text("smtp_username", true);
  text("imap_host", true);
  for (const k of ["smtp_port", "imap_port", "daily_send_limit"] as const) {
    if (f[k].trim() === before[k].trim()) continue;
    body[k] = f[k].trim() === "" ? null : num(f[k]);
  }
  if (f.smtp_security !== before.smtp_security) body.smtp_security = f.smtp_security || null;
  if (f.imap_security !== before.imap_security) body.imap_security = f.imap_security || null;
  if (f.is_active !== before.is_active) body.is_active = f.is_active;
  if (f.password !== "") body.password = f.password;
  return body as MailboxPatch;
}

/** A 422's messages by field name ("smtp_port" → "Input should be …"), the rest under "". */
export function fieldErrors(error: unknown): Record<string, string> {
  if (!(error instanceof ApiError) || error.status !== 422 || !Array.isArray(error.detail)) return {};
  const out: Record<string, string> = {};
  for (const e of error.detail as { loc?: (string | number)[]; msg?: string }[]) {
    const field = String((e.loc ?? []).filter((p) => p !== "body")[0] ?? "");
    const msg = (e.msg ?? "invalid").replace(/^Value error, /, "");
    out[field] = out[field] ? `${out[field]}; ${msg}` : msg;
  }
  return out;
}

function Input({
  label, error, hint, children,
}: {
  label: string; error?: string; hint?: ReactNode; children: (id: string, describedBy: string | undefined) => ReactNode;
}) {
  const id = useId();
  const errId = `${id}-error`;
  return (
    <div className="text-sm">
      <label htmlFor={id} className="mb-1 block font-medium text-slate-700">{label}</label>
      {children(id, error ? errId : undefined)}
      {hint ? <div className="mt-0.5 text-xs text-slate-500">{hint}</div> : null}
      {error ? (
        <div id={errId} role="alert" className="mt-0.5 text-xs text-red-700">{error}</div>
      ) : null}
    </div>
  );
}

export function MailboxForm({
  mailbox, open, onClose, onSaved,
}: {
  /** null: a new mailbox. */
  mailbox: MailboxView | null;
  open: boolean;
  onClose: () => void;
  onSaved: (saved: MailboxView, created: boolean) => void;
}) {
  const editing = mailbox !== null;
  const [before] = useState(() => initial(mailbox));
  const [form, setForm] = useState<FormState>(before);
  const qc = useQueryClient();
  const save = useMutation({
    mutationFn: () =>
      editing
        ? call(api.PUT("/api/v1/mailboxes/{mailbox_id}", {
            params: { path: { mailbox_id: mailbox.mailbox_id } },
            body: patchBody(form, before),
          }))
        : call(api.POST("/api/v1/mailboxes", { body: createBody(form) })),
    onSuccess: (saved) => {
      void qc.invalidateQueries({ queryKey: ["mailboxes"] });
      onSaved(saved, !editing);
    },
  });
  const errors = fieldErrors(save.error);
  const known = new Set<string>(Object.keys(form));
  const other = save.error
    ? Object.keys(errors).length === 0
      ? save.error.message
      : Object.entries(errors).filter(([k]) => !known.has(k)).map(([k, v]) => (k ? `${k}: ${v}` : v)).join("; ")
    : "";

  const set = <K extends keyof FormState>(k: K, v: FormState[K]) => setForm((f) => ({ ...f, [k]: v }));
  const setProvider = (v: string) =>
    setForm((f) => {
      const preset = PRESETS[v.trim().toLowerCase()];
      // Fill the well-known servers only into empty fields: never overwrite what was typed.
      if (!preset || f.smtp_host || f.imap_host) return { ...f, provider: v };
      return { ...f, ...preset, provider: v };
    });

  const text = (k: FieldName & keyof FormState, label: string, props: Record<string, unknown> = {}, hint?: ReactNode) => (
    <Input label={label} error={errors[k]} hint={hint}>
      {(id, describedBy) => (
        <input
          id={id}
          className={inputClass}
          value={String(form[k])}
          aria-invalid={errors[k] ? true : undefined}
          aria-describedby={describedBy}
          onChange={(e) => (k === "provider" ? setProvider(e.target.value) : set(k, e.target.value as never))}
          {...props}
        />
      )}
    </Input>
  );
  const security = (k: "smtp_security" | "imap_security", label: string) => {
    // A saved mailbox always has an SMTP security mode: it can be changed, not cleared.
    const canDefault = !(editing && k === "smtp_security" && before.smtp_security !== "");
    return (
      <Input label={label} error={errors[k]}>
        {(id, describedBy) => (
          <select
            id={id}
            className={inputClass}
            value={form[k]}
            aria-invalid={errors[k] ? true : undefined}
            aria-describedby={describedBy}
            onChange={(e) => set(k, e.target.value as MailSecurity | "")}
          >
            {canDefault ? <option value="">Default (by port)</option> : null}
            {SECURITIES.map((s) => (
              <option key={s} value={s}>{SECURITY_LABELS[s]}</option>
            ))}
          </select>
        )}
      </Input>
    );
  };

  return (
    <Modal
      title={editing ? "Edit mailbox" : "Add mailbox"}
      open={open}
      onClose={onClose}
      wide
      footer={
        <>
          <Button onClick={onClose}>Cancel</Button>
          <Button variant="primary" busy={save.isPending} onClick={() => save.mutate()}>Save</Button>
        </>
      }
    >
      <form
        className="space-y-4"
        onSubmit={(e) => {
          e.preventDefault();
          save.mutate();
        }}
      >
        {other ? <ErrorNote error={other} /> : null}
        <fieldset className="grid grid-cols-1 gap-3 md:grid-cols-2">
          <legend className="mb-1 text-xs font-semibold uppercase tracking-wide text-slate-500">Account</legend>
          {text("email", "Email", { type: "email", autoComplete: "off" })}
          {text("display_name", "Display name")}
          {text("provider", "Provider", { list: "mailbox-providers" }, "gmail, microsoft365, smtp … (gmail and microsoft365 fill in their servers)")}
          <datalist id="mailbox-providers">
            <option value="gmail" />
            <option value="microsoft365" />
            <option value="smtp" />
          </datalist>
          {text("daily_send_limit", "Daily send limit", { type: "number", min: 0, max: 10000 }, "Most emails a day (default 30)")}
          <div className="flex items-end pb-1.5">
            <label className="flex items-center gap-2 text-sm font-medium text-slate-700">
              <input type="checkbox" checked={form.is_active} onChange={(e) => set("is_active", e.target.checked)} />
              Active
            </label>
          </div>
        </fieldset>
        <fieldset className="grid grid-cols-1 gap-3 md:grid-cols-3">
          <legend className="mb-1 text-xs font-semibold uppercase tracking-wide text-slate-500">SMTP (sending)</legend>
          {text("smtp_host", "SMTP host", { autoComplete: "off" })}
          {text("smtp_port", "SMTP port", { type: "number", min: 1, max: 65535 })}
          {security("smtp_security", "SMTP security")}
          {text("smtp_username", "Username", { autoComplete: "off" }, "Login name when it differs from the address")}
          <div className="md:col-span-2">
            {text(
              "password",
              "Password",
              {
                type: "password",
                autoComplete: "new-password",
                placeholder: editing ? "Leave blank to keep the stored one" : "App password",
              },
              editing ? (
                <>Stored password: {mailbox?.has_password ? "yes" : "no"}. Leave blank to keep it unchanged.</>
              ) : (
                "Stored encrypted and never shown again (Gmail: an app password)"
              ),
            )}
          </div>
        </fieldset>
        <fieldset className="grid grid-cols-1 gap-3 md:grid-cols-3">
          <legend className="mb-1 text-xs font-semibold uppercase tracking-wide text-slate-500">IMAP (replies and warmup, optional)</legend>
          {text("imap_host", "IMAP host", { autoComplete: "off" })}
          {text("imap_port", "IMAP port", { type: "number", min: 1, max: 65535 })}
          {security("imap_security", "IMAP security")}
        </fieldset>
      </form>
    </Modal>
  );
}
