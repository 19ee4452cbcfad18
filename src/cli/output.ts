/** Where CLI commands write, so tests can capture it; and the error type that prints without a stack. */
export interface Output {
  stdout(text: string): void;
  stderr(text: string): void;
}

export const processOutput: Output = {
  stdout: (text) => void process.stdout.write(text),
  stderr: (text) => void process.stderr.write(text),
};

/** A user mistake (bad argument, bad file): printed as one message, exit status 2. */
export class CliError extends Error {}
