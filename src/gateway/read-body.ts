import type { IncomingMessage } from "node:http";

/** The request body, or undefined when it is larger than `limit` bytes. */
export function readBody(request: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let size = 0;
    let over = false;
    request.on("data", (part: Buffer) => {
      if (over) return;
      size += part.length;
      if (size > limit) {
        over = true;
        parts.length = 0;
        resolve(undefined);
        return;
      }
      parts.push(part);
    });
    request.on("end", () => {
      if (!over) resolve(Buffer.concat(parts));
    });
    request.on("error", reject);
  });
}
