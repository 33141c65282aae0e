/**
 * Text from the ledger (a tenant, a model, an error message) can hold terminal control sequences:
 * `ESC]0;title BEL` retitles the window, `ESC[2J` clears the screen, an OSC 8 sequence plants a
 * link, and some terminals answer queries by typing into the shell. Everything llmeter prints to
 * a terminal shows such characters escaped instead, as `\u001b`, `\u009b`: the same spelling
 * as a JSON escape, so a JSON document that passes through stays the same document.
 */

/**
 * C0 controls except tab and newline, DEL, C1 controls, and the Unicode bidirectional overrides
 * that reorder what is shown ("Trojan Source", CVE-2021-42574). Our own styles and the progress
 * line's redraw are matched first, so that the caller can keep them (see `keep`).
 */
const CONTROL =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point.
  /\r\n|^\r(?:\u001b\[2K)?|\u001b\[(?:1|2|22|31|32|33|36|39)m|[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

/** Our own sequences: the styles `node:util`'s `styleText` writes for the CLI's colours. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: our styles start with ESC.
const STYLE = /^\u001b\[\d+m$/;

/** What `escapeControlCharacters` leaves as it is. */
export interface KeptSequences {
  /** The CLI's colour styles (bold, dim, cyan, green, yellow, red and their resets): harmless to show. */
  styles?: boolean;
  /** A carriage return (with an erase-line) at the very start of a write: the progress counter's redraw. */
  leadingReturn?: boolean;
}

/**
 * `text` with every control character shown as `\u00XX` (`\u001b` for ESC). Tab, newline and a
 * CRLF line end are kept; `keep` keeps the CLI's own styles and progress redraw.
 *
 * @example
 * escapeControlCharacters("acme\u001b]0;pwned\u0007") // "acme\\u001b]0;pwned\\u0007"
 */
export function escapeControlCharacters(text: string, keep: KeptSequences = {}): string {
  return text.replace(CONTROL, (match: string, offset: number) => {
    if (match === "\r\n") return match;
    if (match.startsWith("\r"))
      return keep.leadingReturn === true && offset === 0 ? match : escapeEach(match);
    if (STYLE.test(match)) return keep.styles === true ? match : escapeEach(match);
    return escapeEach(match);
  });
}

function escapeEach(sequence: string): string {
  let result = "";
  for (const character of sequence) {
    const code = character.charCodeAt(0);
    const isControl =
      code < 0x20 ||
      (code >= 0x7f && code <= 0x9f) ||
      (code >= 0x202a && code <= 0x202e) ||
      (code >= 0x2066 && code <= 0x2069);
    result += isControl ? `\\u${code.toString(16).padStart(4, "0")}` : character;
  }
  return result;
}
