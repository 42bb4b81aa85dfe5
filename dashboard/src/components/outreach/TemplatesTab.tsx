// Email templates (GET /outreach/templates); operators create, edit and delete them. An unknown merge
// field is refused with a 422 that names it, shown in the modal.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { api, call } from "../../api/client";
import type { Template, TemplatePatch } from "../../api/types";
import { formatDate } from "../../lib/format";
import { ConfirmModal } from "../contacts/ConfirmModal";
import { DataTable, type Column } from "../table";
import { Badge, Button, ErrorNote, Field, inputClass, Modal, Notice } from "../ui";

const MERGE_FIELDS =
  "{{first_name}}, {{last_name}}, {{full_name}}, {{email}}, {{title}}, {{company}}, {{state}}, {{job_title}}, {{sender_name}}, {{sender_email}}";

function TemplateForm({ template, onClose, onSaved }: { template: Template | null; onClose: () => void; onSaved: (m: string) => void }) {
  const queryClient = useQueryClient();
  const [name, setName] = useState(template?.name ?? "");
  const [subject, setSubject] = useState(template?.subject ?? "");
  const [body, setBody] = useState(template?.body ?? "");
  const [isDefault, setIsDefault] = useState(template?.is_default ?? false);
  const save = useMutation({
    mutationFn: async () => {
      if (template) {
        const changes: TemplatePatch = {};
        if (name !== template.name) changes.name = name;
        if (subject !== template.subject) changes.subject = subject;
        if (body !== template.body) changes.body = body;
        if (isDefault !== template.is_default) changes.is_default = isDefault;
        await call(api.PUT("/api/v1/outreach/templates/{template_id}", { params: { path: { template_id: template.template_id } }, body: changes }));
        return `Saved template ${name.trim()}.`;
      }
      await call(api.POST("/api/v1/outreach/templates", { body: { name, subject, body, ...(isDefault ? { is_default: true } : {}) } }));
      return `Created template ${name.trim()}.`;
    },
    onSuccess: (message) => {
      void queryClient.invalidateQueries({ queryKey: ["outreach", "templates"] });
      onSaved(message);
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    save.mutate();
  };
  return (
    <Modal
      title={template ? "Edit template" : "New template"}
      open
      wide
      onClose={onClose}
      footer={
        <>
          <Button onClick={onClose}>Cancel</Button>
          <Button type="submit" form="template-form" variant="primary" busy={save.isPending}>Save</Button>
        </>
      }
    >
      <form id="template-form" onSubmit={submit} className="space-y-3">
        <Field label="Name">
          <input className={inputClass} required maxLength={200} value={name} onChange={(e) => setName(e.target.value)} />
        </Field>
        <Field label="Subject">
          <input className={inputClass} required maxLength={500} value={subject} onChange={(e) => setSubject(e.target.value)} />
        </Field>
        <Field label="Body">
          <textarea className={`${inputClass} font-mono`} required rows={12} value={body} onChange={(e) => setBody(e.target.value)} />
        </Field>
        <p className="text-xs text-slate-500">
          Merge fields: {MERGE_FIELDS}; a fallback after “|”, e.g. {"{{first_name|there}}"}. The unsubscribe footer is added when sending.
        </p>
        <label className="flex items-center gap-2 text-sm">
          <input type="checkbox" checked={isDefault} onChange={(e) => setIsDefault(e.target.checked)} />
          Default template (send runs use it unless another is chosen)
        </label>
        {save.error ? <ErrorNote error={save.error} /> : null}
      </form>
    </Modal>
  );
}

export function TemplatesTab({ writer }: { writer: boolean }) {
  const queryClient = useQueryClient();
  const templates = useQuery({
    queryKey: ["outreach", "templates"],
    queryFn: () => call(api.GET("/api/v1/outreach/templates")),
  });
  const [editing, setEditing] = useState<Template | "new" | null>(null);
  const [deleting, setDeleting] = useState<Template | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const remove = useMutation({
    mutationFn: (t: Template) =>
      call(api.DELETE("/api/v1/outreach/templates/{template_id}", { params: { path: { template_id: t.template_id } } })),
    onSuccess: (_, t) => {
      setDeleting(null);
      setNotice(`Deleted template ${t.name}.`);
      void queryClient.invalidateQueries({ queryKey: ["outreach", "templates"] });
    },
  });

  const columns: Column<Template>[] = [
    {
      key: "name",
      header: "Name",
      render: (t) => (
        <span className="flex items-center gap-2 font-medium text-slate-900">
          {t.name} {t.is_default ? <Badge tone="green">Default</Badge> : null}
        </span>
      ),
    },
    { key: "subject", header: "Subject", render: (t) => t.subject },
    { key: "body", header: "Body", render: (t) => <span className="line-clamp-2 max-w-md text-xs text-slate-600">{t.body}</span> },
    { key: "updated", header: "Updated", render: (t) => <span className="whitespace-nowrap">{formatDate(t.updated_at ?? t.created_at)}</span> },
  ];
  if (writer) {
    columns.push({
      key: "actions",
      header: "Actions",
      render: (t) => (
        <div className="flex gap-1 whitespace-nowrap">
          <Button variant="ghost" aria-label={`Edit ${t.name}`} onClick={() => setEditing(t)}>Edit</Button>
          <Button variant="ghost" className="text-red-700" aria-label={`Delete ${t.name}`} onClick={() => { remove.reset(); setDeleting(t); }}>
            Delete
          </Button>
        </div>
      ),
    });
  }

  return (
    <div className="space-y-3">
      <div className="flex items-center justify-between">
        <p className="text-sm text-slate-500">Send runs write each contact with a template; mail merges use your email client's.</p>
        {writer ? (
          <Button variant="primary" onClick={() => setEditing("new")}>New template</Button>
        ) : (
          <span className="text-sm text-slate-500">Read only</span>
        )}
      </div>
      {notice ? <Notice>{notice}</Notice> : null}
      <DataTable
        columns={columns}
        rows={templates.data?.items}
        rowKey={(t) => t.template_id}
        isLoading={templates.isLoading}
        error={templates.error}
        onRetry={() => void templates.refetch()}
        empty="No templates yet."
      />
      {editing ? (
        <TemplateForm
          key={editing === "new" ? "new" : editing.template_id}
          template={editing === "new" ? null : editing}
          onClose={() => setEditing(null)}
          onSaved={(m) => { setEditing(null); setNotice(m); }}
        />
      ) : null}
      <ConfirmModal
        title="Delete template"
        open={!!deleting}
        busy={remove.isPending}
        error={remove.error}
        onClose={() => setDeleting(null)}
        onConfirm={() => deleting && remove.mutate(deleting)}
      >
        <p>Delete the template <strong>{deleting?.name}</strong>?</p>
      </ConfirmModal>
    </div>
  );
}
