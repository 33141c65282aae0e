import type { UsageEvent } from "../usage/usage-event.ts";

/** The last `capacity` events, oldest dropped first: the source of live stats. */
export class LiveWindow {
  private readonly slots: (UsageEvent | undefined)[];
  private next = 0;
  private size = 0;
  readonly capacity: number;

  constructor(capacity: number) {
    this.capacity = capacity;
    this.slots = new Array(capacity);
  }

  add(event: UsageEvent): void {
    if (this.capacity === 0) return;
    this.slots[this.next] = event;
    this.next = (this.next + 1) % this.capacity;
    if (this.size < this.capacity) this.size += 1;
  }

  get length(): number {
    return this.size;
  }

  /** Oldest first. */
  *[Symbol.iterator](): Iterator<UsageEvent> {
    const start = this.size < this.capacity ? 0 : this.next;
    for (let offset = 0; offset < this.size; offset++) {
      yield this.slots[(start + offset) % this.capacity]!;
    }
  }
}
