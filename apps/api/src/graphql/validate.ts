/** Argument validation with zod: failures become BAD_USER_INPUT with the schema's readable messages. */
import { TesseraError } from "@tessera/shared";
import { z } from "zod";

/** An id argument (ours are 16-character base64url; 64 leaves room and bounds what is looked up). */
export const idArg = z.string().min(1).max(64);

export function parseArg<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const r = schema.safeParse(value);
  if (!r.success) throw new TesseraError("BAD_USER_INPUT", r.error.issues.map((i) => i.message).join("; "));
  return r.data;
}
