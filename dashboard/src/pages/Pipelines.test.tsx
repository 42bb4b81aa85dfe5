import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import type { PipelineRun } from "../api/types";
import { API, http, HttpResponse, json, renderAt } from "../test/harness";

const RUN = "11111111-1111-4111-8111-111111111111";

function run(overrides: Partial<PipelineRun> = {}): PipelineRun {
  return {
    run_id: RUN,
    pipeline: "lead_sourcing",
    status: "completed",
    started_at: "2026-11-20T10:00:00Z",
    finished_at: "2026-11-20T10:00:12Z",
    counts: { fetched: 40, inserted: 31 },
    error_message: null,
    requested_at: "2026-11-20T09:59:59Z",
    requested_by: "admin@example.com",
    ...overrides,
  };
}

/** A server-sent event stream the test writes to. */
function eventStream() {
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  const body = new ReadableStream<Uint8Array>({ start: (c) => (controller = c) });
  const encoder = new TextEncoder();
  return {
    response: () =>
      new HttpResponse(body, { headers: { "Content-Type": "text/event-stream" } }),
    send: (data: PipelineRun) =>
      controller.enqueue(encoder.encode(`event: run\nid: ${data.run_id}\ndata: ${JSON.stringify(data)}\n\n`)),
    comment: () => controller.enqueue(encoder.encode(": watching\n\n")),
  };
}

function runsHandler(items: PipelineRun[]) {
  return http.get(`${API}/pipelines/runs`, () => json({ items, total: items.length, limit: 200, offset: 0 }));
}

describe("the Pipelines page", () => {
  it("shows stats, history and the runs' counts", async () => {
    const stream = eventStream();
    renderAt("/dashboard/pipelines", [
      runsHandler([run(), run({ run_id: "22222222-2222-4222-8222-222222222222", pipeline: "email_validation", status: "failed", counts: {}, error_message: "provider refused the key" })]),
      http.get(`${API}/pipelines/runs/events`, () => stream.response()),
    ]);
    const history = await screen.findByRole("table");
    expect(await within(history).findByText("provider refused the key")).toBeInTheDocument();
    expect(within(history).getAllByText("Inserted").length).toBeGreaterThan(0);
    expect(screen.getByRole("button", { name: /Failed/ })).toHaveTextContent("1");
    stream.comment();
    expect(await screen.findByText("● Live")).toBeInTheDocument();
  });

  it("starts a run in one click and moves its progress as events arrive", async () => {
    const stream = eventStream();
    let runs: PipelineRun[] = [];
    let started: unknown = null;
    renderAt("/dashboard/pipelines", [
      http.get(`${API}/pipelines/runs`, () => json({ items: runs, total: runs.length, limit: 200, offset: 0 })),
      http.get(`${API}/pipelines/runs/events`, () => stream.response()),
      http.post(`${API}/pipelines/lead-sourcing/run`, async ({ request }) => {
        started = await request.json();
        runs = [run({ status: "queued", started_at: null, finished_at: null, counts: {} })];
        return json({ run_id: RUN, pipeline: "lead_sourcing", status: "queued" }, 202);
      }),
    ]);
    stream.comment();
    await screen.findByText("● Live");
    await userEvent.click(screen.getByRole("button", { name: "Run lead sourcing" }));
    expect(await screen.findByText(/Lead sourcing run queued/)).toBeInTheDocument();
    expect(started).toEqual({});
    const live = await screen.findByTestId("live-run");
    expect(live).toHaveAttribute("data-status", "queued");

    stream.send(run({ status: "running", finished_at: null, counts: { fetched: 10, inserted: 4 } }));
    await waitFor(() => expect(screen.getByTestId("live-run")).toHaveAttribute("data-status", "running"));
    expect(screen.getByTestId("live-run")).toHaveTextContent("Inserted 4");

    stream.send(run({ status: "running", finished_at: null, counts: { fetched: 40, inserted: 31 } }));
    await waitFor(() => expect(screen.getByTestId("live-run")).toHaveTextContent("Inserted 31"));

    runs = [run()];
    stream.send(run());
    await waitFor(() => expect(screen.queryByTestId("live-run")).not.toBeInTheDocument());
    expect(screen.getByText("No run in progress.")).toBeInTheDocument();
  });

  it("is not turned back by a list answer that was on its way when the run ended", async () => {
    const stream = eventStream();
    let serverRuns: PipelineRun[] = [];
    let historyInFlight = 0;
    renderAt("/dashboard/pipelines", [
      http.get(`${API}/pipelines/runs`, async ({ request }) => {
        const snapshot = serverRuns; // what the owners say when the request arrives
        const history = new URL(request.url).searchParams.get("limit") !== "200";
        if (history) {
          historyInFlight += 1;
          await new Promise((r) => setTimeout(r, 400));
          historyInFlight -= 1;
        }
        return json({ items: snapshot, total: snapshot.length, limit: 200, offset: 0 });
      }),
      http.get(`${API}/pipelines/runs/events`, () => stream.response()),
      http.post(`${API}/pipelines/contact-enrichment/run`, () => {
        serverRuns = [run({ pipeline: "contact_enrichment", status: "running", finished_at: null, counts: {} })];
        return json({ run_id: RUN, pipeline: "contact_enrichment", status: "queued" }, 202);
      }),
    ]);
    stream.comment();
    await screen.findByText("● Live");
    await waitFor(() => expect(historyInFlight).toBe(0));
    await userEvent.click(screen.getByRole("button", { name: "Run contact enrichment" }));
    // The lists are read again after the click; the run list comes back at once, the history is slow ...
    await screen.findByTestId("live-run");
    expect(historyInFlight).toBeGreaterThan(0);
    // ... and the run ends (it took under a second) while the history's answer is still on its way.
    serverRuns = [run({ pipeline: "contact_enrichment", counts: { enriched: 12 } })];
    stream.send(serverRuns[0]);
    await waitFor(() => expect(historyInFlight).toBe(0), { timeout: 3000 });
    const history = screen.getByRole("table");
    await waitFor(() => expect(within(history).getByText("Completed")).toBeInTheDocument());
    await new Promise((r) => setTimeout(r, 600));
    expect(within(history).queryByText("Running")).not.toBeInTheDocument();
    expect(within(history).getByText("Completed")).toBeInTheDocument();
  });

  it("cancels a running run and shows a refusal's message", async () => {
    const stream = eventStream();
    renderAt("/dashboard/pipelines", [
      runsHandler([run({ status: "running", finished_at: null })]),
      http.get(`${API}/pipelines/runs/events`, () => stream.response()),
      http.post(`${API}/pipelines/runs/${RUN}/cancel`, () => json({ detail: "the run already finished" }, 409)),
    ]);
    const live = await screen.findByTestId("live-run");
    await userEvent.click(within(live).getByRole("button", { name: "Cancel" }));
    expect(await screen.findByText("the run already finished")).toBeInTheDocument();
  });

  it("filters the history by pipeline through the API", async () => {
    const asked: (string | null)[] = [];
    const stream = eventStream();
    renderAt("/dashboard/pipelines", [
      http.get(`${API}/pipelines/runs`, ({ request }) => {
        asked.push(new URL(request.url).searchParams.get("pipeline"));
        return json({ items: [run()], total: 1, limit: 25, offset: 0 });
      }),
      http.get(`${API}/pipelines/runs/events`, () => stream.response()),
    ]);
    await screen.findByRole("table");
    await userEvent.selectOptions(screen.getByLabelText("Pipeline"), "outreach");
    await waitFor(() => expect(asked).toContain("outreach"));
  });

  it("lets a viewer watch but not start or cancel", async () => {
    const stream = eventStream();
    renderAt(
      "/dashboard/pipelines",
      [runsHandler([run({ status: "running", finished_at: null })]), http.get(`${API}/pipelines/runs/events`, () => stream.response())],
      "viewer",
    );
    const live = await screen.findByTestId("live-run");
    expect(within(live).queryByRole("button", { name: "Cancel" })).not.toBeInTheDocument();
    for (const name of ["Run lead sourcing", "Run contact enrichment", "Run email validation", "Run outreach"]) {
      expect(screen.getByRole("button", { name })).toBeDisabled();
    }
    expect(screen.getByText(/Read only/)).toBeInTheDocument();
  });
});
