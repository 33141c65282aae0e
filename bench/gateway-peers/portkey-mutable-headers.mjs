// Preloaded into Portkey's gateway for the benchmark: Portkey 1.15.2 appends its x-portkey-*
// headers to the upstream fetch() Response, whose headers are immutable under Node's fetch, so
// every streamed chat completion fails with "TypeError: immutable" (Portkey-AI/gateway#1389,
// #1550). Re-wrapping the Response (same body stream, copied headers) is the fix proposed in
// Portkey-AI/gateway#1551; it adds one object per request and no copy of the body.
const upstreamFetch = globalThis.fetch;
globalThis.fetch = async (...args) => {
  const response = await upstreamFetch(...args);
  return new Response(response.body, {
    status: response.status,
    statusText: response.statusText,
    headers: response.headers,
  });
};
