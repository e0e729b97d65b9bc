/** A one-line terminal progress bar on stderr; falls back to occasional lines when not a TTY. */
export class ProgressBar {
  private lastPercent = -1;

  constructor(
    private readonly total: number,
    private readonly stream: NodeJS.WriteStream = process.stderr,
  ) {}

  update(done: number, label = ""): void {
    const ratio = this.total === 0 ? 1 : Math.min(1, done / this.total);
    const percent = Math.floor(ratio * 100);
    if (this.stream.isTTY) {
      const width = 30;
      const filled = Math.round(ratio * width);
      this.stream.write(
        `\r[${"#".repeat(filled)}${"-".repeat(width - filled)}] ${String(percent).padStart(3)}% ${label}`,
      );
    } else if (Math.floor(percent / 25) > Math.floor(this.lastPercent / 25)) {
      this.stream.write(`${percent}% ${label}\n`);
    } else {
      return;
    }
    this.lastPercent = percent;
  }

  done(message: string): void {
    if (this.stream.isTTY) this.stream.write("\n");
    this.stream.write(`${message}\n`);
  }
}
