import { describe, expect, it } from "vitest";
import { API, http, HttpResponse, server, signIn } from "../test/harness";
import { watchRuns } from "./runEvents";

const encoder = new TextEncoder();

describe("watching runs", () => {
  it("sends the token in a header, parses run events split across chunks, and reconnects after a drop", async () => {
    signIn();
    const auth: (string | null)[] = [];
    const queries: string[] = [];
    server.use(
      http.get(`${API}/pipelines/runs/events`, ({ request }) => {
        auth.push(request.headers.get("Authorization"));
        queries.push(new URL(request.url).search);
        const n = auth.length;
        const body = new ReadableStream<Uint8Array>({
          start(c) {
            c.enqueue(encoder.encode(": watching\n\nevent: run\ndata: {\"run_id\":\"r1\",\"pipeline\":\"outreach\","));
            c.enqueue(encoder.encode(`"status":"running","counts":{"sent":${n}}}\n\n`));
            c.enqueue(encoder.encode("event: other\ndata: {}\n\n"));
            if (n === 1) c.close(); // the first connection drops; the second stays open
          },
        });
        return new HttpResponse(body, { headers: { "Content-Type": "text/event-stream" } });
      }),
    );
    const seen: number[] = [];
    let opened = 0;
    let closed = 0;
    const stop = watchRuns({
      runId: "r1",
      retryMs: 10,
      onRun: (run) => seen.push(run.counts?.sent ?? -1),
      onOpen: () => (opened += 1),
      onClose: () => (closed += 1),
    });
    await expect.poll(() => seen).toEqual([1, 2]);
    stop();
    expect(opened).toBe(2);
    expect(closed).toBe(1);
    expect(auth).toEqual(["Bearer access", "Bearer access"]);
    expect(queries[0]).toBe("?run_id=r1");
  });
});
