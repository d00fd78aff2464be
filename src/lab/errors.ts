/** A lab failure a person can act on: commands print its message as one line, never a stack. */
export class LabError extends Error {
  override readonly name = 'LabError'
}

/** One line for any failure: a LabError's own text, else the error's first line, never a stack. */
export function labErrorMessage(error: unknown): string {
  const msg = error instanceof Error ? error.message : String(error)
  return (msg.split('\n')[0] ?? '').trim() || 'unknown error'
}
