/**
 * A Linux guest's console for boot tests that drive one MachineHost directly: waits for text after
 * what was already consumed (failing at once on a guest fault, with the output so far), and runs a shell
 * command line, answering what it printed up to the next `# ` prompt.
 */
import type { MachineHost } from '../../src/host/machine-host';

export class LinuxConsole {
  /** Everything the guest printed. */
  text = '';
  private consumed = 0;
  private waiters: (() => void)[] = [];
  readonly faults: string[] = [];

  constructor(
    private readonly host: MachineHost,
    /** How long a command line may take to come back to the prompt. */
    private readonly commandMs = 30_000,
  ) {
    const decoder = new TextDecoder();
    host.on({
      output: (_zone, _name, bytes) => {
        this.text += decoder.decode(bytes, { stream: true });
        this.wake();
      },
      fault: (fault) => {
        this.faults.push(`hart ${fault.hart}: ${fault.message}`);
        this.wake();
      },
    });
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  /** The output from the last match up to and including `needle`. */
  async waitFor(needle: string, timeoutMs: number): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const at = this.text.indexOf(needle, this.consumed);
      if (at >= 0) {
        const chunk = this.text.slice(this.consumed, at + needle.length);
        this.consumed = at + needle.length;
        return chunk;
      }
      if (this.faults.length > 0) throw new Error(`guest fault: ${this.faults.join('; ')}\n${this.text}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timeout waiting for ${JSON.stringify(needle)}; output:\n${this.text}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Types a line (and Enter) without waiting. */
  type(line: string): void {
    this.host.input(new TextEncoder().encode(`${line}\r`));
  }

  async run(line: string): Promise<string> {
    this.type(line);
    return this.waitFor('\n# ', this.commandMs);
  }
}
