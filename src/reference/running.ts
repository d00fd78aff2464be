/** A started component. `address` is HOST:PORT for TCP listeners, the socket path for the agent. */
export interface RunningServer {
  readonly address: string
  /** Stop listening, end open connections, remove the agent's socket file. Safe to call twice. */
  close(): Promise<void>
}
