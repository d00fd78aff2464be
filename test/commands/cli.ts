import {execFile} from 'node:child_process'
import {join} from 'node:path'
import {promisify} from 'node:util'

const repo = new URL('../../', import.meta.url).pathname

/** The built CLI in a child process: exit code and both streams, as a user (or a CI job) sees them. */
export async function cli(...args: string[]): Promise<{code: number; stdout: string; stderr: string}> {
  try {
    const r = await promisify(execFile)('node', [join(repo, 'bin/run.js'), ...args], {env: {...process.env, NO_COLOR: '1'}, maxBuffer: 16 * 1024 * 1024})
    return {code: 0, stderr: r.stderr, stdout: r.stdout}
  } catch (error) {
    const e = error as {code: number; stdout: string; stderr: string}
    return {code: e.code, stderr: e.stderr, stdout: e.stdout}
  }
}
