import { Component, type ReactNode } from "react";

/**
 * One card that can't render (a document edited by an old or hostile client) shows a small placeholder in
 * its place; the rest of the board keeps working. The server refuses such edits too (checkBoardUpdate);
 * this is the second line.
 */
export class CardErrorBoundary extends Component<{ x: number; y: number; children: ReactNode }, { failed: boolean }> {
  override state = { failed: false };

  static getDerivedStateFromError(): { failed: boolean } {
    return { failed: true };
  }

  override componentDidCatch(error: unknown): void {
    console.warn("a card could not be shown", error);
  }

  override render(): ReactNode {
    if (!this.state.failed) return this.props.children;
    return (
      <div
        className="card card-broken"
        role="note"
        style={{ transform: `translate(${this.props.x}px, ${this.props.y}px)` }}
      >
        This card could not be shown.
      </div>
    );
  }
}
