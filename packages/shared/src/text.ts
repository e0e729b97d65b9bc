/**
 * Lone surrogates (half of a UTF-16 pair) can't be stored as UTF-8 — PostgreSQL refuses them mid-request —
 * and never come from a keyboard: text with one is refused at the boundary with a readable message.
 */
export function isWellFormedText(s: string): boolean {
  return !/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(s);
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const CONTROL_CHARS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g;

/**
 * Control characters (tab and newlines kept) mean nothing in typed text and PostgreSQL text can't hold NUL:
 * spaces instead. Anything but a string is returned as it is, for the schema to refuse.
 */
export function blankControlChars<T>(value: T): T {
  return (typeof value === "string" ? value.replace(CONTROL_CHARS, " ") : value) as T;
}

export const BROKEN_TEXT_MESSAGE = "The text holds a broken character (half of an emoji or symbol); please retype it.";

/** Whether any string in a parsed JSON value (a request's variables, say) holds a lone surrogate. */
export function containsBrokenText(value: unknown, depth = 0): boolean {
  if (typeof value === "string") return !isWellFormedText(value);
  if (depth > 32 || value === null || typeof value !== "object") return false;
  if (Array.isArray(value)) return value.some((v) => containsBrokenText(v, depth + 1));
  return Object.entries(value).some(([k, v]) => !isWellFormedText(k) || containsBrokenText(v, depth + 1));
}
