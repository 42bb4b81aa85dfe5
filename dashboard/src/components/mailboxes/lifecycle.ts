// The mailbox vocabulary the page shows: lifecycle statuses and the moves a person may make (as the warmup
// service's ra_warmup.mailboxes.MOVES allows them), connection states, and a test's failure kinds.
import type { ConnectionCheck, ConnectionStatus, MailboxStatus, MailSecurity } from "../../api/types";

export const STATUSES: MailboxStatus[] = ["INACTIVE", "WARMING_UP", "COLD_READY", "ACTIVE", "PAUSED", "RECOVERING"];
export const CONNECTIONS: ConnectionStatus[] = ["ok", "failed", "untested"];
export const SECURITIES: MailSecurity[] = ["starttls", "ssl", "none"];

export const STATUS_LABELS: Record<MailboxStatus, string> = {
  INACTIVE: "Inactive",
  WARMING_UP: "Warming up",
  COLD_READY: "Cold ready",
  ACTIVE: "Active",
  PAUSED: "Paused",
  RECOVERING: "Recovering",
};

export const CONNECTION_LABELS: Record<ConnectionStatus, string> = { ok: "OK", failed: "Failed", untested: "Untested" };

export const SECURITY_LABELS: Record<MailSecurity, string> = {
  starttls: "STARTTLS",
  ssl: "SSL/TLS (implicit)",
  none: "None (plain)",
};

const MOVES: Record<MailboxStatus, MailboxStatus[]> = {
  INACTIVE: ["WARMING_UP"],
  WARMING_UP: ["COLD_READY", "ACTIVE"],
  COLD_READY: ["ACTIVE"],
  ACTIVE: ["COLD_READY"],
  PAUSED: ["RECOVERING"],
  RECOVERING: ["WARMING_UP"],
};

/** Where a person may move a mailbox from `current` (pause and deactivate from anywhere). */
export function allowedMoves(current: MailboxStatus): MailboxStatus[] {
  const targets = new Set<MailboxStatus>([...MOVES[current], "PAUSED", "INACTIVE"]);
  targets.delete(current);
  return STATUSES.filter((s) => targets.has(s));
}

const KIND_TEXT: Record<ConnectionCheck["kind"], string> = {
  ok: "Connected",
  blocked: "Blocked by the mail network policy",
  dns: "Host name not found",
  refused: "Connection refused",
  timeout: "Timed out",
  tls: "TLS failed",
  auth: "Login refused",
  protocol: "Protocol error",
};

export function kindText(kind: string): string {
  return KIND_TEXT[kind as ConnectionCheck["kind"]] ?? kind;
}

/** "Connection refused at smtp connect: [Errno 111] …" — one protocol's failure as a sentence. */
export function describeCheck(protocol: "smtp" | "imap", check: ConnectionCheck): string {
  const where = check.stage ? ` at ${protocol} ${check.stage}` : ` (${protocol})`;
  if (check.ok) return `${protocol.toUpperCase()} ok${check.message ? `: ${check.message}` : ""}`;
  return `${kindText(check.kind)}${where}${check.message ? `: ${check.message}` : ""}`;
}

/** The failing check of a stored or fresh test result, if any. */
export function failedCheck(result: unknown): { protocol: "smtp" | "imap"; check: ConnectionCheck } | null {
  if (!result || typeof result !== "object") return null;
  const r = result as { smtp?: ConnectionCheck | null; imap?: ConnectionCheck | null };
  if (r.smtp && !r.smtp.ok) return { protocol: "smtp", check: r.smtp };
  if (r.imap && !r.imap.ok) return { protocol: "imap", check: r.imap };
  return null;
}
