// Small pieces the contacts and validation pages share.
import type { ContactRow } from "../../api/types";
import { humanize } from "../../lib/format";
import { Badge, toneOf } from "../ui";

export function contactName(c: Pick<ContactRow, "first_name" | "last_name">): string {
  return [c.first_name, c.last_name].filter(Boolean).join(" ") || "—";
}

/** A validation status in words ("none" / null = not validated yet). */
export function validationLabel(status: string | null | undefined): string {
  return !status || status === "none" ? "Not validated" : humanize(status);
}

/** P1/P2 green, P3/P4 yellow, P5 gray. */
export function PriorityBadge({ priority }: { priority: string | null | undefined }) {
  return priority ? <Badge tone={toneOf(priority)}>{priority}</Badge> : <Badge tone="gray">—</Badge>;
}
