/** Argument validation with zod: failures become BAD_USER_INPUT with the schema's readable messages. */
import { TesseraError } from "@tessera/shared";
import type { z } from "zod";

export function parseArg<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const r = schema.safeParse(value);
  if (!r.success) throw new TesseraError("BAD_USER_INPUT", r.error.issues.map((i) => i.message).join("; "));
  return r.data;
}
