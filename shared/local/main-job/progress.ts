/**
 * Progress on stderr, so stdout stays the command's result. On a terminal one line redraws
 * in place (bar, counts, rate); elsewhere (CI logs, pipes) a line per step and a final line,
 * never a flood of carriage returns.
 */
export class Progress {
  readonly #out: NodeJS.WriteStream;
  readonly #tty: boolean;
  readonly #enabled: boolean;
  #label = "";
  #total = 0;
  #started = 0;
  #lastDraw = 0;
  #announced = "";

  constructor(out: NodeJS.WriteStream = process.stderr, enabled = true) {
    this.#out = out;
    this.#tty = out.isTTY === true;
    this.#enabled = enabled;
  }

  start(label: string, total: number): void {
    this.#label = label;
    this.#total = Math.max(total, 1);
    this.#started = performance.now();
    this.#lastDraw = 0;
    // Restarting a label (its total became known) redraws on a terminal, says nothing twice elsewhere.
    if (this.#enabled && !this.#tty && label !== this.#announced) this.#out.write(`${label}…\n`);
    this.#announced = label;
    this.update(0);
  }

  update(done: number, detail = ""): void {
    if (!this.#enabled || !this.#tty) return;
    const now = performance.now();
    if (done < this.#total && now - this.#lastDraw < 80) return;
    this.#lastDraw = now;
    const share = Math.min(1, done / this.#total);
    const width = 24;
    const full = Math.round(share * width);
    const bar = `${"█".repeat(full)}${"░".repeat(width - full)}`;
    const pct = `${Math.round(share * 100)}`.padStart(3);
    const text = `${this.#label.padEnd(12)} ${bar} ${pct}% ${done}/${this.#total}${detail ? `  ${detail}` : ""}`;
    this.#out.write(`\r\x1b[2K${text.slice(0, (this.#out.columns ?? 120) - 1)}`);
  }

  finish(summary: string): void {
    if (!this.#enabled) return;
    const seconds = ((performance.now() - this.#started) / 1000).toFixed(1);
    const line = `✔ ${this.#label.padEnd(12)} ${summary} (${seconds} s)`;
    this.#out.write(this.#tty ? `\r\x1b[2K${line}\n` : `${line}\n`);
  }

  fail(summary: string): void {
    if (!this.#enabled) return;
    const line = `✘ ${this.#label.padEnd(12)} ${summary}`;
    this.#out.write(this.#tty ? `\r\x1b[2K${line}\n` : `${line}\n`);
  }
}
