// "Contacts of <company>": the contacts enrichment found for one lead (SOP §13.2 "View linked contacts").
import { useQuery } from "@tanstack/react-query";
import { Link } from "react-router";
import { api, call } from "../../api/client";
import type { ContactRow, LeadRow, Page } from "../../api/types";
import { humanize, text } from "../../lib/format";
import { DataTable, type Column } from "../table";
import { Badge, Empty, ErrorNote, Loading, Modal, StatusBadge, toneOf } from "../ui";

const COLUMNS: Column<ContactRow>[] = [
  { key: "name", header: "Name", render: (c) => [c.first_name, c.last_name].filter(Boolean).join(" ") || "—" },
  { key: "title", header: "Title", render: (c) => text(c.title) },
  { key: "email", header: "Email", render: (c) => c.email },
  {
    key: "priority",
    header: "Priority",
    render: (c) => (c.priority ? <Badge tone={toneOf(c.priority)}>{c.priority}</Badge> : <Badge tone="gray">—</Badge>),
  },
  {
    key: "validation",
    header: "Validation",
    render: (c) => (
      <StatusBadge
        status={c.validation_status ?? "none"}
        label={c.validation_status ? humanize(c.validation_status) : "Not validated"}
      />
    ),
  },
];

export function LeadContactsModal({ lead, onClose }: { lead: LeadRow | null; onClose: () => void }) {
  const leadId = lead?.lead_id ?? "";
  const contacts = useQuery({
    queryKey: ["contacts", { lead_id: leadId, page_size: 100 }],
    queryFn: async () =>
      (await call(api.GET("/api/v1/contacts", { params: { query: { lead_id: leadId, page_size: 100 } } }))) as unknown as Page<ContactRow>,
    enabled: !!lead,
  });
  const rows = contacts.data?.items ?? [];
  return (
    <Modal
      title={`Contacts of ${lead?.company_name ?? ""}`}
      open={!!lead}
      onClose={onClose}
      wide
      footer={
        <Link
          to={`/dashboard/contacts?lead_id=${encodeURIComponent(leadId)}`}
          className="rounded-md px-3 py-1.5 text-sm font-medium text-blue-700 ring-1 ring-inset ring-blue-300 hover:bg-blue-50"
        >
          Open in Contacts
        </Link>
      }
    >
      {lead ? <p className="mb-2 text-sm text-slate-600">{lead.job_title}</p> : null}
      {contacts.error ? (
        <ErrorNote error={contacts.error} onRetry={() => void contacts.refetch()} />
      ) : contacts.isLoading ? (
        <Loading what="Loading contacts…" />
      ) : rows.length === 0 ? (
        <Empty>No contacts found for this lead yet.</Empty>
      ) : (
        <div>
          <DataTable label="Contacts" columns={COLUMNS} rows={rows} rowKey={(c) => c.contact_id} />
          {contacts.data && contacts.data.total > rows.length ? (
            <p className="p-2 text-xs text-slate-500">
              Showing {rows.length} of {contacts.data.total}; open in Contacts for all.
            </p>
          ) : null}
        </div>
      )}
    </Modal>
  );
}
