// A separate application instance writing to the shared ledger: run with Node 24 as
//   node writer-process.ts <url> <schema> <seed> <count>
// It appends `count` sample events (ids prefixed by the seed) in batches of 1,000, as the meter's
// ledger writer would, and prints how many were new as JSON.
import { createPostgresStore } from "../../src/store/postgres/index.ts";
import { sampleEvents } from "../store/sample-events.ts";

const [url, schema, seedText, countText] = process.argv.slice(2);
const seed = Number(seedText);
const events = sampleEvents(Number(countText), {
  seed,
  idPrefix: `writer${seed}`,
  spanMs: 30 * 86_400_000,
});
const store = createPostgresStore({ url: url!, schema: schema!, maxConnections: 4 });
let inserted = 0;
const batches: Promise<number>[] = [];
for (let start = 0; start < events.length; start += 1_000) {
  batches.push(store.append(events.slice(start, start + 1_000)));
  // Two batches in flight at a time, like two meters in one process.
  if (batches.length === 2)
    inserted += (await Promise.all(batches.splice(0))).reduce((a, b) => a + b, 0);
}
inserted += (await Promise.all(batches)).reduce((a, b) => a + b, 0);
await store.close();
process.stdout.write(`${JSON.stringify({ seed, inserted })}\n`);
