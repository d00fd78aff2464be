import type {Capture} from './capture.js'

export interface ExecOptions {
  timeoutMs?: number
  input?: string
  /** the argv recorded in the capture when it differs from what runs (nsenter/ssh wrappers) */
  logicalArgv?: readonly string[]
  maxBuffer?: number
}

/**
 * Run one process with no shell, a bounded time and output, and turn every outcome into a
 * Capture: a missing binary, a timeout or a non-zero exit are evidence, never exceptions.
 * execa is imported lazily: it costs ~80 ms, and only commands that run processes need it.
 */
export async function execCapture(key: string, param: string | undefined, argv: readonly string[], origin: string, opts: ExecOptions = {}): Promise<Capture> {
  const {execa} = await import('execa')
  const [file, ...args] = argv
  const started = performance.now()
  const r = await execa(file ?? 'false', args, {
    env: {LC_ALL: 'C', LANG: 'C'},
    forceKillAfterDelay: 1000,
    input: opts.input,
    maxBuffer: opts.maxBuffer ?? 64 * 1024 * 1024,
    reject: false,
    stdin: opts.input === undefined ? 'ignore' : 'pipe',
    stripFinalNewline: false,
    timeout: opts.timeoutMs ?? 10_000,
  })
  const durationMs = Math.round(performance.now() - started)
  const stderr = String(r.stderr ?? '')
  let failure: Capture['failure']
  if (r.timedOut) failure = 'timeout'
  else if (r.code === 'ENOENT' || r.exitCode === 127) failure = 'not-found'
  else if (r.code === 'EACCES' || r.exitCode === 126) failure = 'permission'
  else if (r.exitCode === undefined) failure = 'error'
  return {
    argv: opts.logicalArgv ?? argv,
    durationMs,
    exitCode: r.exitCode ?? (failure === 'not-found' ? 127 : -1),
    key,
    origin,
    ...(param === undefined ? {} : {param}),
    stderr: stderr || (failure === 'not-found' ? `${file}: command not found` : r.shortMessage && r.failed && r.exitCode === undefined ? r.shortMessage : ''),
    stdout: String(r.stdout ?? ''),
    ...(failure ? {failure} : {}),
  }
}

/** A small bounded pool: run `fn` over `items` with at most `limit` in flight, keeping order. */
export async function pool<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length)
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++
      out[i] = await fn(items[i] as T, i)
    }
  }
  await Promise.all(Array.from({length: Math.max(1, Math.min(limit, items.length))}, worker))
  return out
}

