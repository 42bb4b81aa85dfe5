// A yes/no modal for a destructive action; the action's error shows inside it.
import type { ReactNode } from "react";
import { Button, ErrorNote, Modal } from "../ui";

export function ConfirmModal({
  title, open, confirmLabel = "Delete", busy = false, error, onConfirm, onClose, children,
}: {
  title: string;
  open: boolean;
  confirmLabel?: string;
  busy?: boolean;
  error?: unknown;
  onConfirm: () => void;
  onClose: () => void;
  children: ReactNode;
}) {
  return (
    <Modal
      title={title}
      open={open}
      onClose={onClose}
      footer={
        <>
          <Button onClick={onClose}>Cancel</Button>
          <Button variant="danger" busy={busy} onClick={onConfirm}>{confirmLabel}</Button>
        </>
      }
    >
      <div className="space-y-3 text-sm text-slate-700">
        {children}
        {error ? <ErrorNote error={error} /> : null}
      </div>
    </Modal>
  );
}
