import {readdirSync, readFileSync} from 'node:fs'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

/** Real tool output captured by samples/capture.sh, seed excerpts, and edge cases; see samples/README.md. */
export const SAMPLES = path.join(path.dirname(fileURLToPath(import.meta.url)), 'samples')

export const sample = (name: string): string => readFileSync(path.join(SAMPLES, name), 'utf8')

/** Sample files for one parser: `<parser>--<variant>.txt`. */
export const samplesOf = (parser: string): string[] =>
  readdirSync(SAMPLES)
    .filter((f) => f.startsWith(`${parser}--`) && f.endsWith('.txt'))
    .sort()

/** Samples that hold error text or a refused format rather than data. */
export const isRefusedSample = (file: string): boolean => /--(error-|.*-refused)/.test(file)
