/**
 * Ends the CLI with the exit code of a command it ran for the user (`llmeter run`): not an error
 * of llmeter's, so nothing is printed for it.
 */
export class PassThroughExit extends Error {
  override readonly name = "PassThroughExit";
  readonly exitCode: number;
  constructor(exitCode: number) {
    super(`the command exited with ${exitCode}`);
    this.exitCode = exitCode;
  }
  static isInstance(error: unknown): error is PassThroughExit {
    return error instanceof Error && error.name === "PassThroughExit";
  }
}
