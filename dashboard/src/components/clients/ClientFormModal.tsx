// "Add client" / "Edit client": the company's name, industry, status, website and notes.
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { api, call } from "../../api/client";
import {
  CLIENT_STATUSES, type ClientInput, type ClientPatch, type ClientRow, type ClientStatus,
} from "../../api/types";
import { humanize } from "../../lib/format";
import { Button, ErrorNote, Field, Modal, inputClass } from "../ui";

interface Draft {
  company_name: string;
  industry: string;
  status: ClientStatus;
  website: string;
  notes: string;
}

function draftOf(client: ClientRow | null): Draft {
  return {
    company_name: client?.company_name ?? "",
    industry: client?.industry ?? "",
    status: (CLIENT_STATUSES.includes(client?.status as ClientStatus) ? client?.status : "PROSPECT") as ClientStatus,
    website: client?.website ?? "",
    notes: client?.notes ?? "",
  };
}

/** `client` null: add one; a client: edit it. Closed when `open` is false. */
export function ClientFormModal({
  open, client, onClose, onSaved,
}: {
  open: boolean; client: ClientRow | null; onClose: () => void; onSaved: (message: string) => void;
}) {
  return open ? <ClientForm client={client} onClose={onClose} onSaved={onSaved} /> : null;
}

function ClientForm({
  client, onClose, onSaved,
}: {
  client: ClientRow | null; onClose: () => void; onSaved: (message: string) => void;
}) {
  const queryClient = useQueryClient();
  const [draft, setDraft] = useState<Draft>(() => draftOf(client));
  const set = <K extends keyof Draft>(key: K, value: Draft[K]) => setDraft((d) => ({ ...d, [key]: value }));
  const save = useMutation({
    mutationFn: async () => {
      const clean = (v: string) => (v.trim() ? v.trim() : null);
      if (client) {
        // Only what changed; an emptied field is cleared (null).
        const before = draftOf(client);
        const changes: ClientPatch = {};
        if (draft.company_name.trim() !== before.company_name) changes.company_name = draft.company_name.trim();
        if (draft.industry !== before.industry) changes.industry = clean(draft.industry);
        if (draft.status !== before.status) changes.status = draft.status;
        if (draft.website !== before.website) changes.website = clean(draft.website);
        if (draft.notes !== before.notes) changes.notes = clean(draft.notes);
        await call(api.PUT("/api/v1/clients/{client_id}", { params: { path: { client_id: client.client_id } }, body: changes }));
        return `${draft.company_name.trim()} saved.`;
      }
      const body: ClientInput = { company_name: draft.company_name.trim(), status: draft.status };
      if (clean(draft.industry)) body.industry = clean(draft.industry);
      if (clean(draft.website)) body.website = clean(draft.website);
      if (clean(draft.notes)) body.notes = clean(draft.notes);
      await call(api.POST("/api/v1/clients", { body }));
      return `${body.company_name} added.`;
    },
    onSuccess: (message) => {
      void queryClient.invalidateQueries({ queryKey: ["clients"] });
      onSaved(message);
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    save.mutate();
  };
  const formId = client ? "edit-client" : "add-client";
  return (
    <Modal
      title={client ? "Edit client" : "Add client"}
      open
      onClose={onClose}
      footer={
        <>
          <Button onClick={onClose}>Cancel</Button>
          <Button type="submit" form={formId} variant="primary" busy={save.isPending} disabled={!draft.company_name.trim()}>
            Save
          </Button>
        </>
      }
    >
      <form id={formId} onSubmit={submit} className="space-y-3">
        <Field label="Company name">
          <input
            className={inputClass}
            required
            maxLength={300}
            value={draft.company_name}
            onChange={(e) => set("company_name", e.target.value)}
          />
        </Field>
        <Field label="Industry">
          <input className={inputClass} maxLength={500} value={draft.industry} onChange={(e) => set("industry", e.target.value)} />
        </Field>
        <Field label="Status">
          <select className={inputClass} value={draft.status} onChange={(e) => set("status", e.target.value as ClientStatus)}>
            {CLIENT_STATUSES.map((s) => (
              <option key={s} value={s}>
                {humanize(s)}
              </option>
            ))}
          </select>
        </Field>
        <Field label="Website">
          <input
            className={inputClass}
            maxLength={500}
            placeholder="https://…"
            value={draft.website}
            onChange={(e) => set("website", e.target.value)}
          />
        </Field>
        <Field label="Notes">
          <textarea className={inputClass} rows={3} maxLength={10_000} value={draft.notes} onChange={(e) => set("notes", e.target.value)} />
        </Field>
        {save.error ? <ErrorNote error={save.error} /> : null}
      </form>
    </Modal>
  );
}
