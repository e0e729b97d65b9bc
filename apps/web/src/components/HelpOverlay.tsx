import { useEscape } from "./useEscape.ts";
import { SHORTCUTS } from "./useShortcuts.ts";

export function HelpOverlay({ onClose }: { onClose: () => void }) {
  // Esc closes it wherever focus is (the board's own Esc ignores keys aimed at a dialog).
  useEscape(onClose);
  return (
    <div className="overlay" role="dialog" aria-modal="true" aria-label="Keyboard shortcuts">
      <div className="dialog">
        <h2>Keyboard shortcuts</h2>
        <table>
          <tbody>
            {SHORTCUTS.map(([keys, what]) => (
              <tr key={keys}>
                <td>
                  <kbd>{keys}</kbd>
                </td>
                <td>{what}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <button type="button" onClick={onClose}>
          Close
        </button>
      </div>
    </div>
  );
}
