// A connection test's answer: each protocol's outcome, a failure as an alert with its kind, stage, the
// server's reply and the provider's hint.
import type { ConnectionCheck, ConnectionTestResult } from "../../api/types";
import { formatDate } from "../../lib/format";
import { describeCheck } from "./lifecycle";

function Check({ protocol, check }: { protocol: "smtp" | "imap"; check: ConnectionCheck }) {
  const hint = typeof check.hint === "string" && check.hint ? check.hint : null;
  const elapsed = typeof check.elapsed_ms === "number" ? ` (${Math.round(check.elapsed_ms)} ms)` : "";
  if (check.ok) {
    return (
      <div role="status" className="rounded-md border border-green-200 bg-green-50 p-2 text-sm text-green-800">
        ✓ {describeCheck(protocol, check)}
        {elapsed}
      </div>
    );
  }
  return (
    <div role="alert" className="rounded-md border border-red-200 bg-red-50 p-2 text-sm text-red-800">
      <div className="font-medium">
        ✕ {describeCheck(protocol, check)}
        {elapsed}
      </div>
      <div className="mt-0.5 text-xs">
        {protocol.toUpperCase()} · kind: {check.kind}
        {check.stage ? ` · stage: ${check.stage}` : ""}
      </div>
      {hint ? <div className="mt-1 text-xs">Hint: {hint}</div> : null}
    </div>
  );
}

export function ConnectionResult({ result, showEmail = false }: { result: ConnectionTestResult; showEmail?: boolean }) {
  return (
    <div className="space-y-1.5">
      <div className="text-sm">
        {showEmail ? <span className="font-medium">{result.email}: </span> : null}
        <span className={result.ok ? "text-green-700" : "text-red-700"}>
          {result.ok ? "Connection OK" : "Connection failed"}
        </span>
        <span className="ml-2 text-xs text-slate-500">tested {formatDate(result.tested_at)}</span>
      </div>
      <Check protocol="smtp" check={result.smtp} />
      {result.imap ? <Check protocol="imap" check={result.imap} /> : <div className="text-xs text-slate-500">No IMAP server configured.</div>}
    </div>
  );
}
