// Live run progress: the gateway's server-sent events (GET /api/v1/pipelines/runs/events), read with
// fetch so the session's token goes in a header (EventSource cannot send one), and parsed by
// eventsource-parser. Reconnects after a dropped connection.
import { createParser } from "eventsource-parser";
import { authFetch } from "../api/client";
import type { PipelineRun } from "../api/types";

export interface WatchOptions {
  runId?: string;
  onRun: (run: PipelineRun) => void;
  onOpen?: () => void;
  /** The stream dropped (a reconnect follows). */
  onClose?: () => void;
  /** Milliseconds before reconnecting after the stream ends or fails. */
  retryMs?: number;
}

/** Watch run updates until the returned function is called. */
export function watchRuns({ runId, onRun, onOpen, onClose, retryMs = 2000 }: WatchOptions): () => void {
  const stop = new AbortController();
  const url = new URL("/api/v1/pipelines/runs/events", window.location.origin);
  if (runId) url.searchParams.set("run_id", runId);

  const connect = async (): Promise<void> => {
    while (!stop.signal.aborted) {
      try {
        const res = await authFetch(
          new Request(url, { headers: { Accept: "text/event-stream" }, signal: stop.signal }),
        );
        if (!res.ok || !res.body) throw new Error(`run events: ${res.status}`);
        onOpen?.();
        const parser = createParser({
          onEvent: (event) => {
            if (event.event === "run") onRun(JSON.parse(event.data) as PipelineRun);
          },
        });
        const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          parser.feed(value);
        }
      } catch {
        if (stop.signal.aborted) return;
      }
      onClose?.();
      await new Promise((r) => setTimeout(r, retryMs));
    }
  };
  void connect();
  return () => stop.abort();
}
