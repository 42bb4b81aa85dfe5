// "Check one address" (POST /validation/check): the configured validator's verdict on one address now.
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { api, call } from "../../api/client";
import type { ValidationResult } from "../../api/types";
import { Button, Card, ErrorNote, Field, inputClass } from "../ui";
import { ResultDetails } from "./ResultDetails";

export function CheckAddress({ canCheck }: { canCheck: boolean }) {
  const queryClient = useQueryClient();
  const [email, setEmail] = useState("");
  const check = useMutation({
    mutationFn: (address: string) =>
      call(api.POST("/api/v1/validation/check", { body: { email: address } })) as Promise<unknown> as Promise<ValidationResult>,
    // The check is kept like any other result.
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: ["validation", "results"] }),
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    check.mutate(email.trim());
  };
  return (
    <Card title="Check one address">
      <form onSubmit={submit} className="flex flex-wrap items-end gap-2">
        <div className="min-w-64 flex-1">
          <Field label="Email address">
            <input
              className={inputClass}
              value={email}
              disabled={!canCheck}
              placeholder="name@company.com"
              onChange={(e) => setEmail(e.target.value)}
            />
          </Field>
        </div>
        <Button type="submit" variant="primary" busy={check.isPending} disabled={!canCheck || !email.trim()}>
          Check
        </Button>
      </form>
      {canCheck ? null : <p className="mt-1 text-xs text-slate-500">Read only: checking needs an operator or an admin.</p>}
      <div className="mt-3" aria-live="polite">
        {check.error ? <ErrorNote error={check.error} /> : null}
        {check.data && !check.isPending ? (
          <div data-testid="check-result" data-status={check.data.status}>
            <ResultDetails result={check.data} />
          </div>
        ) : null}
      </div>
    </Card>
  );
}
