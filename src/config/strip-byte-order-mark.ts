/**
 * The text without a leading UTF-8 byte order mark. Editors on Windows (Notepad, PowerShell's
 * `Out-File`) write one; `JSON.parse` rejects it as an "Unexpected token" nobody can see.
 */
export function stripByteOrderMark(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}
