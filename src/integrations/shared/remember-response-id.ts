import { claimProviderCall } from "./recording-scope.ts";

/**
 * Tells framework observers (the LangChain callback handler on a model that is not scoped) that
 * this provider response (`chatcmpl-...`, `msg_...`, `resp_...`) was recorded by an instrumented
 * SDK client, so they skip it: one provider call, one event.
 */
export function rememberResponseId(id: string | undefined | null): void {
  if (typeof id === "string" && id !== "") claimProviderCall({ requestId: id });
}
