// Run updates from the live stream, folded into the cached run lists: the history table and the
// progress cards move as events arrive, with no polling.
import { useQueryClient, type QueryClient } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import type { PipelineRun, PipelineRunList } from "../../api/types";
import { watchRuns } from "../../lib/runEvents";

export const ACTIVE = new Set(["queued", "running", "cancelling"]);

/** Merge an update into a run: the stream's events carry no request fields, the list's rows do. */
export function mergeRun(old: PipelineRun | undefined, update: PipelineRun): PipelineRun {
  return {
    ...old,
    ...update,
    requested_at: update.requested_at ?? old?.requested_at ?? null,
    requested_by: update.requested_by ?? old?.requested_by ?? null,
    started_at: update.started_at ?? old?.started_at ?? null,
  };
}

export function applyRunUpdate(queryClient: QueryClient, update: PipelineRun): void {
  let known = false;
  queryClient.setQueriesData<PipelineRunList>({ queryKey: ["runs"] }, (list) => {
    if (!list?.items) return list;
    const items = list.items.map((run) => {
      if (run.run_id !== update.run_id) return run;
      known = true;
      return mergeRun(run, update);
    });
    return { ...list, items };
  });
  queryClient.setQueryData<PipelineRun>(["run", update.run_id], (old) => mergeRun(old, update));
  // A run no list has yet (started elsewhere, or on another page of history): fetch the lists again.
  if (!known) void queryClient.invalidateQueries({ queryKey: ["runs"] });
  if (!ACTIVE.has(update.status)) {
    // Read the lists again once a run has ended: a list request already under way when the event came
    // would otherwise land after it and show the run still going (the owner commits before it publishes,
    // so a request made now sees the end). Finished runs also change what other pages show.
    void queryClient.invalidateQueries({ predicate: (q) => q.queryKey[0] !== "run" });
  }
}

/** Follow every run's progress while mounted; says whether the stream is connected. */
export function useLiveRuns(): boolean {
  const queryClient = useQueryClient();
  const [connected, setConnected] = useState(false);
  useEffect(
    () =>
      watchRuns({
        onOpen: () => {
          setConnected(true);
          // Whatever happened while not connected: read the lists again once.
          void queryClient.invalidateQueries({ queryKey: ["runs"] });
        },
        onRun: (run) => applyRunUpdate(queryClient, run),
        onClose: () => setConnected(false),
      }),
    [queryClient],
  );
  return connected;
}
