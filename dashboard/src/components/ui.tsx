// The building blocks every page uses (SOP §13.3): badges, stat cards, buttons, states, modal, bars.
import { useEffect, useId, useRef, type ButtonHTMLAttributes, type ReactNode } from "react";
import { humanize } from "../lib/format";

export type Tone = "green" | "yellow" | "red" | "gray" | "blue";

const TONES: Record<Tone, string> = {
  green: "bg-green-100 text-green-800 ring-green-600/20",
  yellow: "bg-yellow-100 text-yellow-800 ring-yellow-600/20",
  red: "bg-red-100 text-red-800 ring-red-600/20",
  gray: "bg-slate-100 text-slate-700 ring-slate-500/20",
  blue: "bg-blue-100 text-blue-800 ring-blue-600/20",
};

/** Status words and their colour: green good, yellow caution, red bad, gray unknown. */
const STATUS_TONES: Record<string, Tone> = {
  // leads and runs
  new: "blue", enriched: "green", validated: "green", contacted: "green", sent: "green", completed: "green",
  open: "blue", hunting: "yellow", closed: "gray", skipped: "gray", running: "blue", queued: "gray",
  cancelling: "yellow", cancelled: "gray", failed: "red", error: "red",
  // validation
  valid: "green", invalid: "red", catch_all: "yellow", catchall: "yellow", unknown: "gray", risky: "yellow",
  disposable: "red", none: "gray", pending: "gray",
  // outreach
  exported: "green", mailmerge: "blue", deferred: "yellow", uncertain: "yellow", bounced: "red",
  suppressed: "red", claimed: "gray", sending: "blue",
  // mailboxes
  active: "green", cold_ready: "green", warming_up: "yellow", recovering: "yellow", paused: "red",
  inactive: "gray", blacklisted: "red", ok: "green", successful: "green", untested: "gray",
  // priorities
  p1: "green", p2: "green", p3: "yellow", p4: "yellow", p5: "gray",
};

export function toneOf(status: string | null | undefined): Tone {
  return STATUS_TONES[String(status ?? "").toLowerCase()] ?? "gray";
}

export function Badge({ tone, children, title }: { tone: Tone; children: ReactNode; title?: string }) {
  return (
    <span
      title={title}
      className={`inline-flex items-center whitespace-nowrap rounded-md px-2 py-0.5 text-xs font-medium ring-1 ring-inset ${TONES[tone]}`}
    >
      {children}
    </span>
  );
}

export function StatusBadge({ status, label }: { status: string | null | undefined; label?: string }) {
  const value = status ?? "unknown";
  return <Badge tone={toneOf(value)}>{label ?? humanize(value)}</Badge>;
}

/** A KPI; clickable cards filter the list below them (and show which filter is on). */
export function StatCard({
  label, value, hint, tone = "gray", active = false, onClick,
}: {
  label: string; value: ReactNode; hint?: ReactNode; tone?: Tone; active?: boolean; onClick?: () => void;
}) {
  const accent: Record<Tone, string> = {
    green: "border-l-green-500", yellow: "border-l-yellow-500", red: "border-l-red-500", gray: "border-l-slate-300", blue: "border-l-blue-500",
  };
  const body = (
    <>
      <div className="text-xs font-medium uppercase tracking-wide text-slate-500">{label}</div>
      <div className="mt-1 text-2xl font-semibold text-slate-900">{value}</div>
      {hint ? <div className="mt-0.5 text-xs text-slate-500">{hint}</div> : null}
    </>
  );
  const cls = `rounded-lg border border-slate-200 border-l-4 ${accent[tone]} bg-white p-3 text-left shadow-sm ${
    active ? "ring-2 ring-blue-500" : ""
  }`;
  return onClick ? (
    <button type="button" aria-pressed={active} onClick={onClick} className={`${cls} hover:bg-slate-50`}>
      {body}
    </button>
  ) : (
    <div className={cls}>{body}</div>
  );
}

export function StatGrid({ children }: { children: ReactNode }) {
  return <div className="grid grid-cols-2 gap-3 md:grid-cols-3 xl:grid-cols-6">{children}</div>;
}

type Variant = "primary" | "secondary" | "danger" | "ghost";
const VARIANTS: Record<Variant, string> = {
  primary: "bg-blue-600 text-white hover:bg-blue-700 disabled:bg-blue-300",
  secondary: "bg-white text-slate-800 ring-1 ring-inset ring-slate-300 hover:bg-slate-50 disabled:text-slate-400",
  danger: "bg-red-600 text-white hover:bg-red-700 disabled:bg-red-300",
  ghost: "text-slate-700 hover:bg-slate-100 disabled:text-slate-400",
};

export function Button({
  variant = "secondary", busy = false, className = "", children, disabled, ...rest
}: ButtonHTMLAttributes<HTMLButtonElement> & { variant?: Variant; busy?: boolean }) {
  return (
    <button
      type="button"
      {...rest}
      disabled={disabled || busy}
      aria-busy={busy || undefined}
      className={`inline-flex items-center justify-center gap-1.5 rounded-md px-3 py-1.5 text-sm font-medium shadow-sm disabled:cursor-not-allowed ${VARIANTS[variant]} ${className}`}
    >
      {busy ? <Spinner /> : null}
      {children}
    </button>
  );
}

export function Spinner() {
  return (
    <span
      aria-hidden
      className="inline-block h-3.5 w-3.5 animate-spin rounded-full border-2 border-current border-r-transparent"
    />
  );
}

export function Loading({ what = "Loading…" }: { what?: string }) {
  return (
    <div role="status" className="flex items-center gap-2 p-6 text-sm text-slate-500">
      <Spinner /> {what}
    </div>
  );
}

export function Empty({ children = "Nothing here yet." }: { children?: ReactNode }) {
  return <div className="p-6 text-center text-sm text-slate-500">{children}</div>;
}

export function ErrorNote({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const message = error instanceof Error ? error.message : String(error);
  return (
    <div role="alert" className="flex items-center justify-between gap-3 rounded-md border border-red-200 bg-red-50 p-3 text-sm text-red-800">
      <span>{message}</span>
      {onRetry ? <Button onClick={onRetry}>Retry</Button> : null}
    </div>
  );
}

export function Notice({ tone = "green", children }: { tone?: Tone; children: ReactNode }) {
  const cls: Record<Tone, string> = {
    green: "border-green-200 bg-green-50 text-green-800",
    yellow: "border-yellow-200 bg-yellow-50 text-yellow-800",
    red: "border-red-200 bg-red-50 text-red-800",
    gray: "border-slate-200 bg-slate-50 text-slate-700",
    blue: "border-blue-200 bg-blue-50 text-blue-800",
  };
  return (
    <div role={tone === "red" ? "alert" : "status"} className={`rounded-md border p-3 text-sm ${cls[tone]}`}>
      {children}
    </div>
  );
}

/** A bar of used against limit (mailbox daily quota); yellow from 80 %, red when full. */
export function ProgressBar({ value, max, label }: { value: number; max: number; label?: string }) {
  const pct = max > 0 ? Math.min(100, Math.round((value / max) * 100)) : 0;
  const color = pct >= 100 ? "bg-red-500" : pct >= 80 ? "bg-yellow-500" : "bg-green-500";
  return (
    <div className="min-w-24">
      <div
        role="progressbar"
        aria-valuenow={value}
        aria-valuemin={0}
        aria-valuemax={max}
        aria-label={label}
        className="h-2 w-full overflow-hidden rounded bg-slate-200"
      >
        <div className={`h-full ${color}`} style={{ width: `${pct}%` }} />
      </div>
      <div className="mt-0.5 text-xs text-slate-500">
        {value} / {max}
      </div>
    </div>
  );
}

export function Modal({
  title, open, onClose, children, footer, wide = false,
}: {
  title: string; open: boolean; onClose: () => void; children: ReactNode; footer?: ReactNode; wide?: boolean;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (open && !dialog.open) {
      if (typeof dialog.showModal === "function") dialog.showModal();
      else dialog.setAttribute("open", "");
    }
    if (!open && dialog.open) {
      if (typeof dialog.close === "function") dialog.close();
      else dialog.removeAttribute("open");
    }
  }, [open]);
  if (!open) return null;
  return (
    <dialog
      ref={ref}
      aria-labelledby={titleId}
      onCancel={(e) => {
        e.preventDefault();
        onClose();
      }}
      className={`m-auto w-full ${wide ? "max-w-4xl" : "max-w-lg"} rounded-lg p-0 shadow-xl backdrop:bg-slate-900/40`}
    >
      <div className="flex items-center justify-between border-b border-slate-200 px-4 py-3">
        <h2 id={titleId} className="text-base font-semibold">{title}</h2>
        <button type="button" aria-label="Close" onClick={onClose} className="rounded p-1 text-slate-500 hover:bg-slate-100">
          ✕
        </button>
      </div>
      <div className="max-h-[70vh] overflow-auto px-4 py-3">{children}</div>
      {footer ? <div className="flex justify-end gap-2 border-t border-slate-200 px-4 py-3">{footer}</div> : null}
    </dialog>
  );
}

export function PageHeader({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="mb-4 flex flex-wrap items-center justify-between gap-3">
      <h1 className="text-xl font-semibold text-slate-900">{title}</h1>
      <div className="flex flex-wrap items-center gap-2">{children}</div>
    </div>
  );
}

export function Card({ title, children, actions }: { title?: string; children: ReactNode; actions?: ReactNode }) {
  return (
    <section className="rounded-lg border border-slate-200 bg-white shadow-sm">
      {title || actions ? (
        <div className="flex items-center justify-between border-b border-slate-200 px-4 py-2.5">
          {title ? <h2 className="text-sm font-semibold text-slate-800">{title}</h2> : <span />}
          <div className="flex gap-2">{actions}</div>
        </div>
      ) : null}
      <div className="p-4">{children}</div>
    </section>
  );
}

/** A labelled form field. */
export function Field({ label, hint, children }: { label: string; hint?: ReactNode; children: ReactNode }) {
  // The hint sits outside the <label>, so the control's accessible name is the label alone.
  return (
    <div className="block text-sm">
      <label className="block">
        <span className="mb-1 block font-medium text-slate-700">{label}</span>
        {children}
      </label>
      {hint ? <span className="mt-0.5 block text-xs text-slate-500">{hint}</span> : null}
    </div>
  );
}

export const inputClass =
  "block w-full rounded-md border-0 px-2.5 py-1.5 text-sm text-slate-900 ring-1 ring-inset ring-slate-300 placeholder:text-slate-400 focus:ring-2 focus:ring-inset focus:ring-blue-600 disabled:bg-slate-50 disabled:text-slate-500";
