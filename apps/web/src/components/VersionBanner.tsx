import { Eye, RotateCcw } from "lucide-react";
import { type BoardVersion, clockTime, versionTitle } from "../lib/versions.ts";

/**
 * Over the canvas while a version is shown: which one, that it is read-only, and the two ways out — restore it
 * (editors) or go back to the live board (Esc).
 */
export function VersionBanner({
  version,
  loading,
  canRestore,
  restoring,
  onRestore,
  onBack,
}: {
  version: BoardVersion;
  loading: boolean;
  canRestore: boolean;
  restoring: boolean;
  onRestore(): void;
  onBack(): void;
}) {
  return (
    <div className="version-banner" role="status" aria-live="polite">
      <Eye className="icon" aria-hidden="true" />
      <span className="version-banner-text">
        {loading ? "Opening " : "Viewing "}
        <strong>{versionTitle(version)}</strong>
        <span className="muted"> · {clockTime(version.createdAt)} · read-only</span>
      </span>
      {canRestore && (
        <button type="button" className="primary" disabled={loading || restoring} onClick={onRestore}>
          <RotateCcw className="icon" aria-hidden="true" />
          {restoring ? "Restoring…" : "Restore this version"}
        </button>
      )}
      <button type="button" onClick={onBack} title="Back to the live board (Esc)">
        Back to live
      </button>
    </div>
  );
}
