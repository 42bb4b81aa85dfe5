// One section of the Settings page: its fields, the drafts of what was changed, and "Save changes", which PUTs
// each changed key and puts a refusal under its field.
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useId, useState } from "react";
import { api, ApiError, call } from "../../api/client";
import type { SettingList, SettingOut } from "../../api/types";
import { Button, ErrorNote, Notice } from "../ui";
import { SettingField, type Draft } from "./SettingField";

/** The gateway's words for a refused value (a 422's messages, else the error's message). */
export function refusal(error: unknown): string {
  if (error instanceof ApiError && error.status === 422 && Array.isArray(error.detail)) {
    const msgs = (error.detail as { msg?: string }[]).map((e) => (e.msg ?? "invalid").replace(/^Value error, /, ""));
    if (msgs.length) return msgs.join("; ");
  }
  return error instanceof Error ? error.message : String(error);
}

/** A draft as the value to send, or an error to show without asking the server. */
function toValue(s: SettingOut, draft: Draft): { value: unknown } | { error: string } {
  if (s.type === "int" || s.type === "float") {
    const text = String(draft).trim();
    const n = Number(text);
    if (text === "" || !Number.isFinite(n)) return { error: "Enter a number." };
    if (s.type === "int" && !Number.isInteger(n)) return { error: "Enter a whole number." };
    return { value: n };
  }
  return { value: draft };
}

interface SaveResult {
  saved: string[];
  views: SettingOut[];
  errors: Record<string, string>;
}

export function SettingsSection({
  title, settings, admin, canTest,
}: {
  title: string;
  settings: SettingOut[];
  admin: boolean;
  canTest: boolean;
}) {
  const headingId = useId();
  const qc = useQueryClient();
  const [drafts, setDrafts] = useState<Record<string, Draft>>({});
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [saved, setSaved] = useState(false);
  const byKey = new Map(settings.map((s) => [s.key, s]));
  const changed = Object.keys(drafts).filter((k) => byKey.has(k));

  const save = useMutation({
    mutationFn: async (): Promise<SaveResult> => {
      const result: SaveResult = { saved: [], views: [], errors: {} };
      const work = changed.map(async (key) => {
        const s = byKey.get(key)!;
        const v = toValue(s, drafts[key]);
        if ("error" in v) {
          result.errors[key] = v.error;
          return;
        }
        try {
          const view = await call(api.PUT("/api/v1/settings/{key}", { params: { path: { key } }, body: { value: v.value } }));
          result.saved.push(key);
          if (view && typeof view === "object" && "key" in view) result.views.push(view);
        } catch (e) {
          result.errors[key] = refusal(e);
        }
      });
      await Promise.all(work);
      return result;
    },
    onSuccess: ({ saved: keys, views, errors: refused }) => {
      // The answers are the new values: shown at once, then confirmed by the refetch.
      const fresh = new Map(views.map((v) => [v.key, v]));
      qc.setQueryData<SettingList>(["settings"], (old) =>
        old ? { ...old, items: old.items.map((s) => fresh.get(s.key) ?? s) } : old,
      );
      setDrafts((d) => {
        const next = { ...d };
        for (const k of keys) delete next[k];
        return next;
      });
      setErrors(refused);
      setSaved(Object.keys(refused).length === 0 && keys.length > 0);
      if (keys.length) void qc.invalidateQueries({ queryKey: ["settings"] });
    },
  });

  const onDraft = (key: string, value: Draft | undefined) => {
    setSaved(false);
    setErrors(({ [key]: _dropped, ...rest }) => rest);
    setDrafts(({ [key]: _old, ...rest }) => (value === undefined ? rest : { ...rest, [key]: value }));
  };
  const failed = Object.keys(errors).length;

  return (
    <section aria-labelledby={headingId} className="rounded-lg border border-slate-200 bg-white shadow-sm">
      <div className="flex flex-wrap items-center justify-between gap-2 border-b border-slate-200 px-4 py-2.5">
        <h2 id={headingId} className="text-sm font-semibold text-slate-800">{title}</h2>
        {admin ? (
          <div className="flex items-center gap-2">
            {changed.length ? <span className="text-xs text-yellow-700">{changed.length} unsaved</span> : null}
            <Button
              variant="ghost"
              disabled={changed.length === 0 || save.isPending}
              onClick={() => {
                setDrafts({});
                setErrors({});
              }}
            >
              Discard
            </Button>
            <Button variant="primary" busy={save.isPending} disabled={changed.length === 0} onClick={() => save.mutate()}>
              Save changes
            </Button>
          </div>
        ) : null}
      </div>
      <div className="space-y-3 p-4">
        {saved ? <Notice tone="green">Saved</Notice> : null}
        {failed ? (
          <ErrorNote error={`${failed === 1 ? "A change was" : `${failed} changes were`} not saved: see the field${failed === 1 ? "" : "s"} below.`} />
        ) : null}
        <div className="grid grid-cols-1 gap-x-6 gap-y-4 md:grid-cols-2">
          {settings.map((s) => (
            <SettingField
              key={s.key}
              setting={s}
              draft={drafts[s.key]}
              onDraft={(v) => onDraft(s.key, v)}
              error={errors[s.key]}
              editable={admin}
              canTest={canTest}
            />
          ))}
        </div>
      </div>
    </section>
  );
}
