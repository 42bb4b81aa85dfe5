// The add / edit contact modal (POST /contacts, PUT /contacts/{id}).
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { api, call } from "../../api/client";
import { PRIORITIES, type ContactPatch, type ContactRow, type Priority } from "../../api/types";
import { Button, ErrorNote, Field, inputClass, Modal } from "../ui";

interface Draft {
  lead_id: string;
  first_name: string;
  last_name: string;
  email: string;
  title: string;
  phone: string;
  priority: string;
}

function draftOf(contact: ContactRow | null, leadId: string): Draft {
  return {
    lead_id: contact?.lead_id ?? leadId,
    first_name: contact?.first_name ?? "",
    last_name: contact?.last_name ?? "",
    email: contact?.email ?? "",
    title: contact?.title ?? "",
    phone: contact?.phone ?? "",
    priority: contact?.priority ?? "",
  };
}

const orNull = (s: string) => (s.trim() ? s.trim() : null);

/** `contact` null = a new contact (for `leadId` when the list is filtered to one lead). */
export function ContactForm({
  open, contact, leadId = "", onClose, onSaved,
}: {
  open: boolean;
  contact: ContactRow | null;
  leadId?: string;
  onClose: () => void;
  onSaved: (message: string) => void;
}) {
  const queryClient = useQueryClient();
  const [draft, setDraft] = useState<Draft>(() => draftOf(contact, leadId));
  const set = (k: keyof Draft) => (e: { target: { value: string } }) => setDraft((d) => ({ ...d, [k]: e.target.value }));

  const save = useMutation({
    mutationFn: async () => {
      if (contact) {
        // Only what changed: a new email clears the contact's validation status.
        const before = draftOf(contact, "");
        const changes: ContactPatch = {};
        if (draft.first_name !== before.first_name) changes.first_name = orNull(draft.first_name);
        if (draft.last_name !== before.last_name) changes.last_name = orNull(draft.last_name);
        if (draft.email.trim() !== before.email) changes.email = draft.email.trim();
        if (draft.title !== before.title) changes.title = orNull(draft.title);
        if (draft.phone !== before.phone) changes.phone = orNull(draft.phone);
        if (draft.priority !== before.priority) changes.priority = (draft.priority || null) as Priority | null;
        await call(api.PUT("/api/v1/contacts/{contact_id}", { params: { path: { contact_id: contact.contact_id } }, body: changes }));
        return `Saved ${draft.email.trim()}.`;
      }
      await call(
        api.POST("/api/v1/contacts", {
          body: {
            lead_id: draft.lead_id.trim(),
            email: draft.email.trim(),
            first_name: orNull(draft.first_name),
            last_name: orNull(draft.last_name),
            title: orNull(draft.title),
            phone: orNull(draft.phone),
            priority: (draft.priority || null) as Priority | null,
          },
        }),
      );
      return `Added ${draft.email.trim()}.`;
    },
    onSuccess: (message) => {
      void queryClient.invalidateQueries({ queryKey: ["contacts"] });
      onSaved(message);
    },
  });

  const submit = (e: FormEvent) => {
    e.preventDefault();
    save.mutate();
  };
  const formId = contact ? "edit-contact" : "add-contact";
  return (
    <Modal
      title={contact ? "Edit contact" : "Add contact"}
      open={open}
      onClose={onClose}
      footer={
        <>
          <Button onClick={onClose}>Cancel</Button>
          <Button variant="primary" type="submit" form={formId} busy={save.isPending}>
            {contact ? "Save" : "Add"}
          </Button>
        </>
      }
    >
      <form id={formId} onSubmit={submit} className="grid grid-cols-2 gap-3">
        {contact ? null : (
          <div className="col-span-2">
            <Field label="Lead ID">
              <input className={inputClass} required value={draft.lead_id} onChange={set("lead_id")} />
            </Field>
            <p className="mt-0.5 text-xs text-slate-500">The lead this contact works for (filled in when you come from a lead's contacts).</p>
          </div>
        )}
        <Field label="First name">
          <input className={inputClass} value={draft.first_name} onChange={set("first_name")} />
        </Field>
        <Field label="Last name">
          <input className={inputClass} value={draft.last_name} onChange={set("last_name")} />
        </Field>
        <div className="col-span-2">
          <Field label="Email">
            <input className={inputClass} type="email" required value={draft.email} onChange={set("email")} />
          </Field>
          {contact ? <p className="mt-0.5 text-xs text-slate-500">A new address clears the validation status.</p> : null}
        </div>
        <Field label="Title">
          <input className={inputClass} value={draft.title} onChange={set("title")} />
        </Field>
        <Field label="Phone">
          <input className={inputClass} value={draft.phone} onChange={set("phone")} />
        </Field>
        <Field label="Priority">
          <select className={inputClass} value={draft.priority} onChange={set("priority")}>
            <option value="">Not ranked</option>
            {PRIORITIES.map((p) => (
              <option key={p} value={p}>{p}</option>
            ))}
          </select>
        </Field>
        {save.error ? (
          <div className="col-span-2">
            <ErrorNote error={save.error} />
          </div>
        ) : null}
      </form>
    </Modal>
  );
}
