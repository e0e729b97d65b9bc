import { TesseraError } from "@tessera/shared";

/**
 * A bundle that can't be loaded. The message names the directory, the file and what to do, because the
 * person reading it is usually an operator who pointed TESSERA_MODEL_DIR somewhere.
 */
export class BundleError extends TesseraError {
  constructor(
    readonly dir: string,
    readonly file: string | null,
    problem: string,
    fix = "Re-export the bundle with the model lab (npm run train) or point TESSERA_MODEL_DIR at a complete bundle.",
  ) {
    super("BUNDLE_INVALID", `Model bundle ${dir}${file ? ` (${file})` : ""}: ${problem} ${fix}`, {
      dir,
      file,
    });
  }
}

/** Rebuilds a BundleError whose message was made in another thread (the engine worker). */
export function reviveBundleError(dir: string, file: string | null, message: string): BundleError {
  const error = new BundleError(dir, file, "");
  error.message = message;
  return error;
}
