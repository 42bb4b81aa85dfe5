// One validation result in words: the verdict, and what the provider (or the built-in verifier) saw —
// MX hosts, the SMTP replies, the catch-all probe, timings — with the raw answer for anything else.
import type { ValidationResult } from "../../api/types";
import { formatDate, humanize, text } from "../../lib/format";
import { StatusBadge } from "../ui";

type Dict = Record<string, unknown>;

const isDict = (v: unknown): v is Dict => !!v && typeof v === "object" && !Array.isArray(v);

function reply(v: unknown): string | null {
  if (!isDict(v)) return null;
  return [v.code, v.message].filter((x) => x !== null && x !== undefined && x !== "").join(" ") || null;
}

/** The raw keys shown in their own rows (the rest go under "Provider answer"). */
const SHOWN = new Set([
  "normalized", "role", "mx", "implicit_mx", "rcpt", "catch_all_probe", "problem_reply", "problem", "error", "dns_error",
  "timings_ms", "retry_after",
]);

export function ResultDetails({ result }: { result: ValidationResult }) {
  const raw: Dict = isDict(result.raw) ? result.raw : {};
  const mx = Array.isArray(raw.mx) ? (raw.mx as Dict[]) : [];
  const timings = isDict(raw.timings_ms) ? raw.timings_ms : null;
  const catchAll = isDict(raw.catch_all_probe) ? raw.catch_all_probe : null;
  const rows: [string, React.ReactNode][] = [
    ["Email", result.email],
    ["Status", <StatusBadge key="s" status={result.status} />],
    ["Reason", result.sub_status ? humanize(result.sub_status) : "—"],
    ["Provider", result.provider],
    ["Checked", formatDate(result.checked_at)],
  ];
  if (raw.normalized !== undefined) rows.push(["Normalized", text(raw.normalized)]);
  if (raw.role !== undefined) rows.push(["Role address", raw.role ? "Yes (info@, sales@ …)" : "No"]);
  if (raw.error !== undefined) rows.push(["Error", text(raw.error)]);
  if (raw.dns_error !== undefined) rows.push(["DNS", text(raw.dns_error)]);
  if (mx.length || raw.mx !== undefined) {
    rows.push([
      raw.implicit_mx ? "MX (implicit: the domain's A record)" : "MX",
      mx.length ? (
        <ul key="mx" className="space-y-0.5">
          {mx.map((h, i) => (
            <li key={i}>
              <span className="font-mono">{text(h.host)}</span>
              {h.preference !== undefined ? <span className="text-slate-500"> (preference {text(h.preference)})</span> : null}
              {Array.isArray(h.addresses) && h.addresses.length ? (
                <span className="text-slate-500"> — {(h.addresses as unknown[]).map(String).join(", ")}</span>
              ) : null}
              {h.error ? <span className="text-red-700"> — {text(h.error)}</span> : null}
            </li>
          ))}
        </ul>
      ) : "None",
    ]);
  }
  if (raw.rcpt !== undefined) rows.push(["Server reply", reply(raw.rcpt) ?? "—"]);
  if (catchAll) rows.push(["Catch-all probe", `${text(catchAll.address)}: ${reply(catchAll) ?? "—"}`]);
  if (raw.problem !== undefined || raw.problem_reply !== undefined) {
    rows.push(["Problem", [text(raw.problem), reply(raw.problem_reply)].filter((x) => x && x !== "—").join(" — ") || "—"]);
  }
  if (raw.retry_after !== undefined || result.retry_after) rows.push(["Retry after", text(raw.retry_after ?? result.retry_after)]);
  if (timings) {
    rows.push([
      "Timings",
      Object.entries(timings)
        .map(([k, v]) => `${k} ${typeof v === "number" ? Math.round(v) : text(v)} ms`)
        .join(", "),
    ]);
  }
  const rest = Object.fromEntries(Object.entries(raw).filter(([k]) => !SHOWN.has(k)));
  return (
    <div className="space-y-3 text-sm">
      <dl className="grid grid-cols-[10rem_1fr] gap-x-4 gap-y-1.5">
        {rows.map(([k, v]) => (
          <div key={k} className="contents">
            <dt className="font-medium text-slate-600">{k}</dt>
            <dd className="min-w-0 break-words text-slate-900">{v}</dd>
          </div>
        ))}
      </dl>
      {Object.keys(rest).length ? (
        <details>
          <summary className="cursor-pointer text-slate-600">Provider answer</summary>
          <pre className="mt-1 max-h-64 overflow-auto rounded bg-slate-50 p-2 text-xs">{JSON.stringify(rest, null, 2)}</pre>
        </details>
      ) : null}
    </div>
  );
}
