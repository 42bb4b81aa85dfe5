// The home page's charts (Recharts): activity per day, and counts per category. Each chart has a fixed
// height and a text alternative (role="img" with the numbers in its label).
import { useNavigate } from "react-router";
import {
  Bar, BarChart, CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis,
} from "recharts";
import { formatDay } from "../../lib/format";

export interface TrendPoint {
  date: string;
  leads?: number;
  contacts?: number;
  sent?: number;
  bounced?: number;
}

const SERIES = [
  { key: "leads", name: "Leads created", color: "#2563eb" },
  { key: "contacts", name: "Contacts created", color: "#16a34a" },
  { key: "sent", name: "Emails sent", color: "#9333ea" },
  { key: "bounced", name: "Emails bounced", color: "#dc2626" },
] as const;

/** Leads created, contacts created and emails sent (and bounced) per UTC day. */
export function TrendChart({ data, days }: { data: TrendPoint[]; days: number }) {
  const totals = SERIES.map((s) => ({
    ...s,
    total: data.reduce((n, p) => n + (p[s.key] ?? 0), 0),
    present: data.some((p) => p[s.key] !== undefined),
  })).filter((s) => s.present);
  const summary = totals.map((s) => `${s.name}: ${s.total.toLocaleString()}`).join(", ");
  return (
    <div>
      <ul aria-label="Totals" className="mb-2 flex flex-wrap gap-x-4 gap-y-1 text-xs text-slate-600">
        {totals.map((s) => (
          <li key={s.key} className="flex items-center gap-1.5">
            <span aria-hidden className="inline-block h-2 w-2 rounded-full" style={{ background: s.color }} />
            {s.name}: <span className="font-semibold text-slate-800">{s.total.toLocaleString()}</span>
          </li>
        ))}
      </ul>
      <div role="img" aria-label={`Per day over the last ${days} days. ${summary}`} className="h-72 w-full">
        <ResponsiveContainer width="100%" height={288} initialDimension={{ width: 800, height: 288 }}>
          <LineChart data={data} margin={{ top: 8, right: 16, bottom: 0, left: 0 }}>
            <CartesianGrid strokeDasharray="3 3" stroke="#e2e8f0" />
            <XAxis dataKey="date" tickFormatter={(d: string) => formatDay(d)} fontSize={12} minTickGap={24} />
            <YAxis allowDecimals={false} fontSize={12} width={48} />
            <Tooltip labelFormatter={(d) => formatDay(String(d))} />
            <Legend />
            {totals.map((s) => (
              <Line
                key={s.key}
                type="monotone"
                dataKey={s.key}
                name={s.name}
                stroke={s.color}
                strokeWidth={2}
                dot={false}
                isAnimationActive={false}
              />
            ))}
          </LineChart>
        </ResponsiveContainer>
      </div>
    </div>
  );
}

export interface Category {
  name: string;
  value: number;
  /** Where a click on the bar goes (the list filtered by this category). */
  link?: string;
}

/** Counts per category as bars; a bar with a link opens the filtered list. */
export function CategoryChart({ title, data, color = "#2563eb" }: { title: string; data: Category[]; color?: string }) {
  const navigate = useNavigate();
  if (!data.length) return <p className="py-6 text-center text-sm text-slate-500">No data yet.</p>;
  const summary = data.map((d) => `${d.name} ${d.value.toLocaleString()}`).join(", ");
  return (
    <div role="img" aria-label={`${title}: ${summary}`} className="h-60 w-full">
      <ResponsiveContainer width="100%" height={240} initialDimension={{ width: 400, height: 240 }}>
        <BarChart data={data} margin={{ top: 8, right: 8, bottom: 0, left: 0 }}>
          <CartesianGrid strokeDasharray="3 3" stroke="#e2e8f0" vertical={false} />
          <XAxis dataKey="name" fontSize={12} interval={0} />
          <YAxis allowDecimals={false} fontSize={12} width={40} />
          <Tooltip />
          <Bar
            dataKey="value"
            name="Count"
            fill={color}
            isAnimationActive={false}
            cursor="pointer"
            onClick={(entry) => {
              const link = (entry as { payload?: Category }).payload?.link;
              if (link) void navigate(link);
            }}
          />
        </BarChart>
      </ResponsiveContainer>
    </div>
  );
}
