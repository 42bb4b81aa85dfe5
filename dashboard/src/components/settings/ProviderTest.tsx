// "Test <provider>": POST /settings/test-connection/{provider} checks the saved key with the provider's
// cheapest authenticated call; the answer is shown as a green (ok) or red notice.
import { useMutation } from "@tanstack/react-query";
import { api, call } from "../../api/client";
import type { ProviderTestResult } from "../../api/types";
import { Button, ErrorNote, Notice } from "../ui";

const STATUS_TEXT: Record<ProviderTestResult["status"], string> = {
  ok: "Connected",
  not_configured: "Not configured",
  auth: "Key refused",
  rate_limited: "Rate limited",
  timeout: "Timed out",
  unreachable: "Unreachable",
  error: "Error",
};

export function providerResultText(r: ProviderTestResult): string {
  const latency = r.latency_ms > 0 ? ` (${r.latency_ms} ms)` : "";
  return `${r.provider}: ${STATUS_TEXT[r.status] ?? r.status}${r.detail ? ` — ${r.detail}` : ""}${latency}`;
}

export function ProviderTest({
  provider, label, unsaved = false,
}: {
  provider: string;
  /** The button's text; default "Test <provider>". */
  label?: string;
  /** The key or choice has unsaved edits: the test uses what is saved. */
  unsaved?: boolean;
}) {
  const test = useMutation({
    mutationKey: ["settings", "test", provider],
    mutationFn: (p: string) =>
      call(api.POST("/api/v1/settings/test-connection/{provider}", { params: { path: { provider: p } } })),
  });
  const shown = test.data && test.data.provider === provider ? test.data : null;
  return (
    <div className="space-y-1.5">
      <div className="flex items-center gap-2">
        <Button busy={test.isPending} onClick={() => test.mutate(provider)}>{label ?? `Test ${provider}`}</Button>
        {unsaved ? <span className="text-xs text-yellow-700">Tests the saved value: save first.</span> : null}
      </div>
      {shown ? <Notice tone={shown.ok ? "green" : "red"}>{providerResultText(shown)}</Notice> : null}
      {test.error ? <ErrorNote error={test.error} /> : null}
    </div>
  );
}
