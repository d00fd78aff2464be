/**
 * The record every source returns, live, ssh or bundle replay alike. A non-zero exit is
 * evidence, not an exception: it travels in `exitCode` and `stderr`.
 */
export interface Capture {
  /** evidence key from the registry, e.g. `node.agent-ini` */
  readonly key: string
  /** parameter of a fanned-out key: a namespace name, a router id, a file path */
  readonly param?: string
  /** the logical command (or `['read', path]` for a file), never the ssh or nsenter wrapper */
  readonly argv: readonly string[]
  /** process exit code; for files 0 when read, 1 when absent or unreadable */
  readonly exitCode: number
  readonly stdout: string
  readonly stderr: string
  readonly durationMs: number
  /** `live:<host>`, `ssh:<user@host>`, `bundle:<dir>` */
  readonly origin: string
  /** set when the command could not run at all or did not finish */
  readonly failure?: 'not-found' | 'timeout' | 'permission' | 'vanished' | 'error'
}
