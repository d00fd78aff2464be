// Structured logs: one JSON object per line, batched so access logging stays cheap under load.
// Secrets are never passed in; as a second line of defence every line is scrubbed of the
// configured secrets before it is written.
import fs from 'node:fs'

export type LogLevel = 'access' | 'warning' | 'off'
export const LOG_LEVELS: readonly LogLevel[] = ['access', 'warning', 'off']

export type LogRecord = Record<string, unknown>
/** Receives each finished log line (JSON, no newline). */
export type LogSink = (line: string) => void

const MIN_SCRUB_LENGTH = 6
const PIPE_BUF = 4096
const MAX_QUEUED_LINES = 50_000
const FLUSH_DELAY_MS = 10

let lastMs = 0
let lastIso = ''
/** Date#toISOString, computed once per millisecond */
function isoNow(): string {
  const ms = Date.now()
  if (ms !== lastMs) {
    lastMs = ms
    lastIso = new Date(ms).toISOString()
  }
  return lastIso
}

/**
 * Log lines go straight to fd 2 with one write() in flight at a time, from whichever thread logs
 * (worker threads included: going through process.stderr would funnel every line through the main
 * thread). Chunks stay under PIPE_BUF so lines from several threads never interleave, and the
 * queue is capped so a stalled stderr cannot grow memory without bound.
 */
class FdWriter {
  private pending: string[] = []
  private writing = false
  private dropped = 0
  /** pipes and sockets: async writes under PIPE_BUF; files and devices: larger synchronous writes */
  private kind: {sync: boolean; chunk: number} | null = null

  constructor(private readonly fd: number) {}

  private detect(): {sync: boolean; chunk: number} {
    if (!this.kind) {
      let regular = false
      try {
        const st = fs.fstatSync(this.fd)
        regular = st.isFile() || st.isCharacterDevice()
      } catch {
        // closed fd: writes will fail and be dropped
      }
      this.kind = regular ? {chunk: 64 * 1024, sync: true} : {chunk: PIPE_BUF, sync: false}
    }
    return this.kind
  }

  write = (line: string): void => {
    if (this.pending.length >= MAX_QUEUED_LINES) {
      this.dropped++
      return
    }
    this.pending.push(line)
    if (!this.writing) {
      this.writing = true
      // gather a few milliseconds of lines per write(): under load that is one syscall per
      // hundreds of lines instead of one per event-loop turn
      setTimeout(this.next, FLUSH_DELAY_MS).unref()
    }
  }

  private take(): Buffer | null {
    if (this.dropped > 0) {
      this.pending.unshift(JSON.stringify({ts: isoNow(), level: 'warning', event: 'log-lines-dropped', count: this.dropped}))
      this.dropped = 0
    }
    if (this.pending.length === 0) return null
    const max = this.detect().chunk
    let bytes = 0
    let n = 0
    while (n < this.pending.length) {
      const len = Buffer.byteLength(this.pending[n] as string) + 1
      if (n > 0 && bytes + len > max) break
      bytes += len
      n++
    }
    return Buffer.from(this.pending.splice(0, n).join('\n') + '\n')
  }

  private next = (): void => {
    if (this.detect().sync) {
      this.flushSync()
      this.writing = false
      return
    }
    const chunk = this.take()
    if (!chunk) {
      this.writing = false
      return
    }
    this.send(chunk, 0)
  }

  private send(chunk: Buffer, offset: number): void {
    fs.write(this.fd, chunk, offset, chunk.length - offset, null, (err, written) => {
      if (err) {
        // a non-blocking pipe that is full: try again shortly; anything else (EPIPE, EBADF): drop
        if ((err as NodeJS.ErrnoException).code === 'EAGAIN') setTimeout(() => this.send(chunk, offset), 5)
        else this.next()
        return
      }
      if (offset + written < chunk.length) this.send(chunk, offset + written)
      else this.next()
    })
  }

  /** Write everything queued now, synchronously (files; and before exit). A write in flight may land after. */
  flushSync(): void {
    // a regular file takes one write of everything: write() updates the shared offset atomically
    if (this.detect().sync && this.dropped === 0 && this.pending.length > 0) {
      const all = Buffer.from(this.pending.join('\n') + '\n')
      this.pending = []
      this.writeAllSync(all)
      return
    }
    for (let chunk = this.take(); chunk; chunk = this.take()) this.writeAllSync(chunk)
  }

  private writeAllSync(chunk: Buffer): void {
    let offset = 0
    for (let tries = 0; offset < chunk.length && tries < 1000; tries++) {
      try {
        offset += fs.writeSync(this.fd, chunk, offset)
      } catch (error) {
        // EAGAIN: a non-blocking pipe is full, try again; anything else: give the lines up
        if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') return
      }
    }
  }
}

const stderrWriter = new FdWriter(2)

/** The default sink: JSON lines on stderr. */
export const stderrSink: LogSink = stderrWriter.write

/** Write out queued log lines now (before exit). */
export function flushLogs(): void {
  stderrWriter.flushSync()
}

export class Logger {
  private readonly scrub: string[]
  private readonly componentJson: string

  constructor(
    readonly component: string,
    private readonly sink: LogSink,
    private readonly level: LogLevel,
    secrets: readonly string[] = [],
  ) {
    this.componentJson = JSON.stringify(component)
    const forms = secrets.flatMap((s) => [s, JSON.stringify(s).slice(1, -1)])
    this.scrub = [...new Set(forms.filter((s) => s.length >= MIN_SCRUB_LENGTH))]
  }

  get accessEnabled(): boolean {
    return this.level === 'access'
  }

  access(rec: LogRecord): void {
    if (this.level === 'access') this.emit('info', 'request', rec)
  }

  info(event: string, rec: LogRecord = {}): void {
    if (this.level !== 'off') this.emit('info', event, rec)
  }

  warning(event: string, rec: LogRecord = {}): void {
    if (this.level !== 'off') this.emit('warning', event, rec)
  }

  error(event: string, rec: LogRecord = {}): void {
    if (this.level !== 'off') this.emit('error', event, rec)
  }

  private emit(level: string, event: string, rec: LogRecord): void {
    // the fixed head is spliced in front of the record's own JSON: no merged object per line
    const body = JSON.stringify(rec)
    let line = `{"ts":"${isoNow()}","level":"${level}","component":${this.componentJson},"event":${JSON.stringify(event)}${body.length > 2 ? `,${body.slice(1)}` : '}'}`
    for (const s of this.scrub) if (line.includes(s)) line = line.split(s).join('***')
    this.sink(line)
  }
}

/** Cut client-controlled text (paths, header values) so one request cannot flood the log. */
export const clip = (s: string | undefined, max = 256): string | undefined => (s === undefined || s.length <= max ? s : `${s.slice(0, max)}…`)
