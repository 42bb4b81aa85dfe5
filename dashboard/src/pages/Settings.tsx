// Settings (SOP §12): every setting of the catalog, drawn from GET /settings by type and grouped by section.
// Everyone reads; admins change values and initialize defaults; operators and admins test providers.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, call } from "../api/client";
import type { SettingOut } from "../api/types";
import { useUser } from "../auth/AuthProvider";
import { canOperate, isAdmin } from "../auth/session";
import { SettingsSection } from "../components/settings/SettingsSection";
import { Button, Empty, ErrorNote, Loading, Notice, PageHeader } from "../components/ui";
import { humanize } from "../lib/format";

/** The SOP's sections, in its order; any other section the API returns follows, humanized. */
const SECTIONS: [string, string][] = [
  ["job_sources", "Job sources"],
  ["ai", "AI"],
  ["contact_discovery", "Contact discovery"],
  ["email_validation", "Email validation"],
  ["outreach", "Outreach"],
  ["warmup", "Warmup"],
];

function grouped(items: SettingOut[]): { section: string; title: string; settings: SettingOut[] }[] {
  const by = new Map<string, SettingOut[]>();
  for (const s of items) by.set(s.section, [...(by.get(s.section) ?? []), s]);
  const known = SECTIONS.filter(([k]) => by.has(k)).map(([k, title]) => ({ section: k, title, settings: by.get(k)! }));
  const others = [...by.keys()]
    .filter((k) => !SECTIONS.some(([known]) => known === k))
    .sort()
    .map((k) => ({ section: k, title: humanize(k), settings: by.get(k)! }));
  return [...known, ...others];
}

export function SettingsPage() {
  const user = useUser();
  const admin = isAdmin(user);
  const operator = canOperate(user);
  const qc = useQueryClient();
  const settings = useQuery({
    queryKey: ["settings"],
    queryFn: () => call(api.GET("/api/v1/settings")),
  });
  const initialize = useMutation({
    mutationFn: () => call(api.POST("/api/v1/settings/initialize")),
    onSuccess: () => void qc.invalidateQueries({ queryKey: ["settings"] }),
  });

  const init = initialize.data;
  return (
    <div className="space-y-4">
      <PageHeader title="Settings">
        {admin ? (
          <Button busy={initialize.isPending} onClick={() => initialize.mutate()}>Initialize defaults</Button>
        ) : null}
      </PageHeader>

      {!admin ? (
        <Notice tone="yellow">
          <span>Read only: only admins change settings.</span>
          {operator ? <span> You can still test the provider connections.</span> : null}
        </Notice>
      ) : null}
      {init ? (
        <Notice tone="green">
          {init.initialized.length === 0
            ? "Nothing to initialize: every setting already has a value."
            : `Initialized ${init.initialized.length} setting${init.initialized.length === 1 ? "" : "s"} with their defaults: ${init.initialized.join(", ")}.`}
        </Notice>
      ) : null}
      {initialize.error ? <ErrorNote error={initialize.error} /> : null}

      {settings.error ? (
        <ErrorNote error={settings.error} onRetry={() => void settings.refetch()} />
      ) : settings.isLoading ? (
        <Loading what="Loading settings…" />
      ) : !settings.data?.items.length ? (
        <Empty>No settings.</Empty>
      ) : (
        <>
          <nav aria-label="Sections" className="flex flex-wrap gap-2 text-sm">
            {grouped(settings.data.items).map((g) => (
              <a key={g.section} href={`#section-${g.section}`} className="rounded-md bg-white px-2.5 py-1 text-blue-700 ring-1 ring-slate-200 hover:bg-blue-50">
                {g.title}
              </a>
            ))}
          </nav>
          {grouped(settings.data.items).map((g) => (
            <div key={g.section} id={`section-${g.section}`} className="scroll-mt-4">
              <SettingsSection title={g.title} settings={g.settings} admin={admin} canTest={operator} />
            </div>
          ))}
        </>
      )}
    </div>
  );
}
