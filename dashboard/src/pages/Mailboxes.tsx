// Mailboxes (SOP §6, §13.2): sender accounts with their lifecycle status, connection tests, daily quotas and
// warmup progress. Reads for everyone; adding, editing, testing, status moves and deletes for operators.
import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { api, call } from "../api/client";
import type {
  ConnectionStatus, ConnectionTestResult, ConnectionTestSummary, MailboxListParams, MailboxSort, MailboxStatus,
  MailboxView,
} from "../api/types";
import { useUser } from "../auth/AuthProvider";
import { canOperate } from "../auth/session";
import { ConnectionResult } from "../components/mailboxes/ConnectionResult";
import {
  allowedMoves, CONNECTION_LABELS, CONNECTIONS, failedCheck, kindText, STATUS_LABELS, STATUSES,
} from "../components/mailboxes/lifecycle";
import { MailboxForm } from "../components/mailboxes/MailboxForm";
import { DataTable, FilterSelect, Pagination, SearchInput, Toolbar, type Column } from "../components/table";
import {
  Badge, Button, ErrorNote, Modal, Notice, PageHeader, ProgressBar, StatCard, StatGrid, StatusBadge, toneOf,
  type Tone,
} from "../components/ui";
import { formatDate, formatNumber, text } from "../lib/format";
import { useTableState } from "../lib/hooks";

const SORTS: readonly MailboxSort[] = [
  "email", "display_name", "provider", "warmup_status", "connection_status", "daily_send_limit", "emails_sent_today",
  "created_at", "last_tested_at",
];
const PAGE_SIZES = [10, 25, 50, 100] as const;

type Outcome = { tone: Tone; text: string } | null;

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "es"}`;
}

export function MailboxesPage() {
  const user = useUser();
  const operator = canOperate(user);
  const qc = useQueryClient();
  const state = useTableState({ sortBy: "created_at", sortDir: "desc" }, ["warmup_status", "connection_status", "provider"]);
  const { warmup_status: statusFilter, connection_status: connectionFilter, provider: providerFilter } = state.filters;

  const params: MailboxListParams = {
    page: state.page,
    page_size: (PAGE_SIZES as readonly number[]).includes(state.pageSize) ? (state.pageSize as 10 | 25 | 50 | 100) : 25,
    sort: (SORTS as readonly string[]).includes(state.sortBy) ? (state.sortBy as MailboxSort) : "created_at",
    order: state.sortDir,
    ...(state.search ? { search: state.search } : {}),
    ...(statusFilter ? { warmup_status: statusFilter as MailboxStatus } : {}),
    ...(connectionFilter ? { connection_status: connectionFilter as ConnectionStatus } : {}),
    ...(providerFilter ? { provider: providerFilter } : {}),
  };
  const list = useQuery({
    queryKey: ["mailboxes", params],
    queryFn: () => call(api.GET("/api/v1/mailboxes", { params: { query: params } })),
    placeholderData: keepPreviousData,
  });
  const stats = useQuery({
    queryKey: ["mailboxes", "stats"],
    queryFn: () => call(api.GET("/api/v1/mailboxes/stats")),
  });

  const [outcome, setOutcome] = useState<Outcome>(null);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [form, setForm] = useState<{ mailbox: MailboxView | null } | null>(null);
  const [deleting, setDeleting] = useState<MailboxView | null>(null);
  const [bulkDeleting, setBulkDeleting] = useState(false);
  const [tested, setTested] = useState<ConnectionTestResult | null>(null);
  const [testedAll, setTestedAll] = useState<ConnectionTestSummary | null>(null);
  const [testing, setTesting] = useState<Set<string>>(new Set());

  const refresh = () => qc.invalidateQueries({ queryKey: ["mailboxes"] });

  const test = useMutation({
    mutationFn: (m: MailboxView) =>
      call(api.POST("/api/v1/mailboxes/{mailbox_id}/test-connection", { params: { path: { mailbox_id: m.mailbox_id } } })),
    onMutate: (m) => setTesting((s) => new Set(s).add(m.mailbox_id)),
    onSettled: (_d, _e, m) =>
      setTesting((s) => {
        const next = new Set(s);
        next.delete(m.mailbox_id);
        return next;
      }),
    onSuccess: (result) => {
      setTested(result);
      void refresh();
    },
    onError: (error, m) => setOutcome({ tone: "red", text: `Test of ${m.email} failed: ${error.message}` }),
  });
  const testAll = useMutation({
    mutationFn: () => call(api.POST("/api/v1/mailboxes/test-all")),
    onSuccess: (summary) => {
      setTestedAll(summary);
      void refresh();
    },
    onError: (error) => setOutcome({ tone: "red", text: `Testing all mailboxes failed: ${error.message}` }),
  });
  const move = useMutation({
    mutationFn: ({ m, to }: { m: MailboxView; to: MailboxStatus }) =>
      call(api.PUT("/api/v1/mailboxes/{mailbox_id}/status", {
        params: { path: { mailbox_id: m.mailbox_id } },
        body: { status: to },
      })),
    onSuccess: (saved) => {
      setOutcome({ tone: "green", text: `${saved.email} is now ${STATUS_LABELS[saved.warmup_status]}.` });
      void refresh();
    },
    onError: (error, { m, to }) =>
      setOutcome({ tone: "red", text: `Could not move ${m.email} to ${STATUS_LABELS[to]}: ${error.message}` }),
  });
  const remove = useMutation({
    mutationFn: (m: MailboxView) =>
      call(api.DELETE("/api/v1/mailboxes/{mailbox_id}", { params: { path: { mailbox_id: m.mailbox_id } } })),
    onSuccess: (_d, m) => {
      setDeleting(null);
      setSelected((s) => {
        const next = new Set(s);
        next.delete(m.mailbox_id);
        return next;
      });
      setOutcome({ tone: "green", text: `Deleted ${m.email}.` });
      void refresh();
    },
  });
  const bulkRemove = useMutation({
    mutationFn: (ids: string[]) => call(api.POST("/api/v1/mailboxes/bulk-delete", { body: { mailbox_ids: ids } })),
    onSuccess: (result) => {
      setBulkDeleting(false);
      setSelected(new Set());
      const missing = result.not_found.length ? ` ${result.not_found.length} were already gone.` : "";
      setOutcome({ tone: "green", text: `Deleted ${plural(result.deleted, "mailbox")}.${missing}` });
      void refresh();
    },
  });

  const s = stats.data;
  const toggle = (name: string, value: string) => state.setFilter(name, state.filters[name] === value ? "" : value);
  const providers = Array.from(new Set([...Object.keys(s?.by_provider ?? {}), ...(providerFilter ? [providerFilter] : [])])).sort();

  const columns: Column<MailboxView>[] = [
    {
      key: "email", header: "Email", sort: "email",
      render: (m) => (
        <div>
          <div className="font-medium text-slate-900">{m.email}</div>
          {m.is_active === false ? <div className="text-xs text-slate-500">disabled</div> : null}
        </div>
      ),
    },
    { key: "display_name", header: "Display name", sort: "display_name", render: (m) => text(m.display_name) },
    { key: "provider", header: "Provider", sort: "provider", render: (m) => text(m.provider) },
    {
      key: "status", header: "Status", sort: "warmup_status",
      render: (m) => (
        <div className="space-y-1">
          <StatusBadge status={m.warmup_status} label={STATUS_LABELS[m.warmup_status] ?? m.warmup_status} />
          {m.paused_reason && m.warmup_status === "PAUSED" ? (
            <div className="max-w-48 text-xs text-slate-500">{m.paused_reason}</div>
          ) : null}
          {operator ? (
            <select
              aria-label={`Change status of ${m.email}`}
              className="block rounded-md border-0 py-0.5 pl-1.5 pr-6 text-xs ring-1 ring-inset ring-slate-300"
              value=""
              disabled={move.isPending}
              onChange={(e) => {
                if (e.target.value) move.mutate({ m, to: e.target.value as MailboxStatus });
              }}
            >
              <option value="">Move to…</option>
              {allowedMoves(m.warmup_status).map((to) => (
                <option key={to} value={to}>{STATUS_LABELS[to]}</option>
              ))}
            </select>
          ) : null}
        </div>
      ),
    },
    {
      key: "connection", header: "Connection", sort: "connection_status",
      render: (m) => {
        const failed = m.connection_status === "failed" ? failedCheck(m.last_test_result) : null;
        return (
          <div className="space-y-0.5">
            <Badge tone={toneOf(m.connection_status)}>{CONNECTION_LABELS[m.connection_status] ?? m.connection_status}</Badge>
            {failed ? (
              <div className="text-xs text-red-700" title={failed.check.message ?? undefined}>
                {kindText(failed.check.kind)} · {failed.protocol} {failed.check.stage ?? ""}
              </div>
            ) : null}
            {m.last_tested_at ? <div className="text-xs text-slate-500">{formatDate(m.last_tested_at)}</div> : null}
          </div>
        );
      },
    },
    {
      key: "quota", header: "Today / limit", sort: "emails_sent_today",
      render: (m) => (
        <ProgressBar value={m.emails_sent_today ?? 0} max={m.daily_send_limit ?? 0} label={`Daily quota of ${m.email}`} />
      ),
    },
    { key: "total_sent", header: "Total sent", render: (m) => formatNumber(m.total_emails_sent) },
    {
      key: "bounces", header: "Bounces",
      render: (m) => (
        <span className={m.bounce_count ? "text-red-700" : undefined}>{formatNumber(m.bounce_count)}</span>
      ),
    },
    { key: "replies", header: "Replies", render: (m) => formatNumber(m.reply_count) },
    {
      key: "warmup", header: "Warmup",
      render: (m) => {
        const any = m.warmup_started_at || m.warmup_days_completed || m.warmup_emails_sent || m.warmup_emails_received;
        return (
          <div className="space-y-0.5 text-xs text-slate-600">
            {any ? (
              <>
                <div>Day {m.warmup_days_completed ?? 0}{m.warmup_started_at ? ` · since ${formatDate(m.warmup_started_at)}` : ""}</div>
                <div>
                  sent {formatNumber(m.warmup_emails_sent ?? 0)} · received {formatNumber(m.warmup_emails_received ?? 0)} · opens{" "}
                  {formatNumber(m.warmup_opens ?? 0)} · replies {formatNumber(m.warmup_replies ?? 0)}
                </div>
              </>
            ) : (
              <div>—</div>
            )}
            {typeof m.dns_score === "number" ? <div>DNS score {m.dns_score}</div> : null}
            {m.is_blacklisted ? <Badge tone="red">Blacklisted</Badge> : null}
          </div>
        );
      },
    },
  ];
  if (operator) {
    columns.push({
      key: "actions", header: "Actions",
      render: (m) => (
        <div className="flex gap-1">
          <Button busy={testing.has(m.mailbox_id)} onClick={() => test.mutate(m)}>Test</Button>
          <Button variant="ghost" onClick={() => setForm({ mailbox: m })}>Edit</Button>
          <Button variant="ghost" className="text-red-700" onClick={() => setDeleting(m)}>Delete</Button>
        </div>
      ),
    });
  }

  return (
    <div className="space-y-4">
      <PageHeader title="Mailboxes">
        {operator ? (
          <>
            <Button busy={testAll.isPending} onClick={() => testAll.mutate()}>Test all</Button>
            <Button variant="primary" onClick={() => setForm({ mailbox: null })}>Add mailbox</Button>
          </>
        ) : null}
      </PageHeader>

      {!operator ? <Notice tone="gray">Read only: viewers cannot add, test or change mailboxes.</Notice> : null}
      {testAll.isPending ? <Notice tone="blue">Testing every mailbox's connection; this can take a few minutes…</Notice> : null}
      {outcome ? <Notice tone={outcome.tone}>{outcome.text}</Notice> : null}

      {stats.error ? (
        <ErrorNote error={stats.error} onRetry={() => void stats.refetch()} />
      ) : (
        <StatGrid>
          <StatCard label="Total" value={s ? formatNumber(s.total) : "…"} hint={s ? `${s.active} enabled` : undefined} />
          {STATUSES.map((st) => (
            <StatCard
              key={st}
              label={STATUS_LABELS[st]}
              value={s ? formatNumber(s.by_status[st] ?? 0) : "…"}
              tone={toneOf(st)}
              active={statusFilter === st}
              onClick={() => toggle("warmup_status", st)}
            />
          ))}
          {CONNECTIONS.map((c) => (
            <StatCard
              key={c}
              label={c === "untested" ? "Untested" : `Connection ${CONNECTION_LABELS[c]}`}
              value={s ? formatNumber(s.by_connection[c] ?? 0) : "…"}
              tone={c === "ok" ? "green" : c === "failed" ? "red" : "gray"}
              active={connectionFilter === c}
              onClick={() => toggle("connection_status", c)}
            />
          ))}
          <StatCard
            label="Sent today"
            value={s ? formatNumber(s.sent_today) : "…"}
            hint={s ? `of ${formatNumber(s.daily_capacity)} daily capacity` : undefined}
            tone={s && s.daily_capacity > 0 && s.sent_today >= s.daily_capacity ? "red" : "blue"}
          />
          <StatCard label="Blacklisted" value={s ? formatNumber(s.blacklisted) : "…"} tone={s?.blacklisted ? "red" : "gray"} />
        </StatGrid>
      )}

      <div>
        <Toolbar>
          <SearchInput value={state.search} onSearch={state.setSearch} label="Search mailboxes" placeholder="Address or name…" />
          <FilterSelect
            label="Status"
            value={statusFilter}
            options={STATUSES.map((st) => ({ value: st, label: STATUS_LABELS[st] }))}
            onChange={(v) => state.setFilter("warmup_status", v)}
          />
          <FilterSelect
            label="Connection"
            value={connectionFilter}
            options={CONNECTIONS.map((c) => ({ value: c, label: CONNECTION_LABELS[c] }))}
            onChange={(v) => state.setFilter("connection_status", v)}
          />
          <FilterSelect label="Provider" value={providerFilter} options={providers} onChange={(v) => state.setFilter("provider", v)} />
          {operator ? (
            <div className="ml-auto flex items-center gap-2">
              {selected.size ? <span className="text-sm text-slate-600">{selected.size} selected</span> : null}
              <Button variant="danger" disabled={selected.size === 0} onClick={() => setBulkDeleting(true)}>
                Delete selected
              </Button>
            </div>
          ) : null}
        </Toolbar>
        <DataTable
          columns={columns}
          rows={list.data?.items}
          rowKey={(m) => m.mailbox_id}
          state={state}
          isLoading={list.isLoading}
          error={list.error}
          onRetry={() => void list.refetch()}
          empty={
            state.search || statusFilter || connectionFilter || providerFilter
              ? "No mailboxes match these filters."
              : operator
                ? "No mailboxes yet: add one with “Add mailbox”."
                : "No mailboxes yet."
          }
          selection={operator ? { selected, onChange: setSelected } : undefined}
        />
        <Pagination total={list.data?.total} state={state} />
      </div>

      {form ? (
        <MailboxForm
          key={form.mailbox?.mailbox_id ?? "new"}
          mailbox={form.mailbox}
          open
          onClose={() => setForm(null)}
          onSaved={(saved, created) => {
            setForm(null);
            setOutcome({
              tone: "green",
              text: created
                ? `Added ${saved.email}. Test its connection to start the warmup.`
                : `Saved ${saved.email}.`,
            });
          }}
        />
      ) : null}

      <Modal
        title="Delete mailbox"
        open={deleting !== null}
        onClose={() => {
          setDeleting(null);
          remove.reset();
        }}
        footer={
          <>
            <Button onClick={() => setDeleting(null)}>Cancel</Button>
            <Button variant="danger" busy={remove.isPending} onClick={() => deleting && remove.mutate(deleting)}>Delete</Button>
          </>
        }
      >
        <p className="text-sm">
          Delete <strong>{deleting?.email}</strong>? It stops sending and warming up; this cannot be undone.
        </p>
        {remove.error ? <div className="mt-3"><ErrorNote error={remove.error} /></div> : null}
      </Modal>

      <Modal
        title="Delete selected mailboxes"
        open={bulkDeleting}
        onClose={() => {
          setBulkDeleting(false);
          bulkRemove.reset();
        }}
        footer={
          <>
            <Button onClick={() => setBulkDeleting(false)}>Cancel</Button>
            <Button variant="danger" busy={bulkRemove.isPending} onClick={() => bulkRemove.mutate([...selected])}>Delete</Button>
          </>
        }
      >
        <p className="text-sm">Delete {plural(selected.size, "mailbox")}? This cannot be undone.</p>
        {bulkRemove.error ? <div className="mt-3"><ErrorNote error={bulkRemove.error} /></div> : null}
      </Modal>

      <Modal title={tested ? `Connection test: ${tested.email}` : "Connection test"} open={tested !== null} onClose={() => setTested(null)}
        footer={<Button onClick={() => setTested(null)}>Close</Button>}
      >
        {tested ? (
          <div className="space-y-2">
            <ConnectionResult result={tested} />
            {tested.mailbox ? (
              <div className="text-xs text-slate-600">
                Status now: {STATUS_LABELS[tested.mailbox.warmup_status] ?? tested.mailbox.warmup_status}
              </div>
            ) : null}
          </div>
        ) : null}
      </Modal>

      <Modal title="Connection test results" open={testedAll !== null} onClose={() => setTestedAll(null)} wide
        footer={<Button onClick={() => setTestedAll(null)}>Close</Button>}
      >
        {testedAll ? (
          <div className="space-y-3">
            <p className="text-sm font-medium">
              {testedAll.ok} OK, {testedAll.failed} failed
              {testedAll.results.length === 0 ? " — there are no mailboxes to test." : ""}
            </p>
            {testedAll.results.map((r) => (
              <div key={r.mailbox_id} className="border-t border-slate-100 pt-2">
                <ConnectionResult result={r} showEmail />
              </div>
            ))}
          </div>
        ) : null}
      </Modal>
    </div>
  );
}
