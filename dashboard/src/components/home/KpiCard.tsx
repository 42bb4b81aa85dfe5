// A KPI of the home page: a link to the list it counts (filtered), looking like the pages' StatCards.
import type { ReactNode } from "react";
import { Link } from "react-router";
import type { Tone } from "../ui";

const ACCENT: Record<Tone, string> = {
  green: "border-l-green-500",
  yellow: "border-l-yellow-500",
  red: "border-l-red-500",
  gray: "border-l-slate-300",
  blue: "border-l-blue-500",
};

export function KpiCard({
  label, value, hint, tone = "gray", to,
}: {
  label: string; value: ReactNode; hint?: ReactNode; tone?: Tone; to?: string;
}) {
  const cls = `block rounded-lg border border-slate-200 border-l-4 ${ACCENT[tone]} bg-white p-3 text-left shadow-sm`;
  const body = (
    <>
      <div className="text-xs font-medium uppercase tracking-wide text-slate-500">{label}</div>
      <div className="mt-1 text-2xl font-semibold text-slate-900">{value}</div>
      {hint ? <div className="mt-0.5 text-xs text-slate-500">{hint}</div> : null}
    </>
  );
  return to ? (
    <Link to={to} className={`${cls} hover:bg-slate-50 focus:outline-none focus-visible:ring-2 focus-visible:ring-blue-500`}>
      {body}
    </Link>
  ) : (
    <div className={cls}>{body}</div>
  );
}
