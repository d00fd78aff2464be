// The agent's unix socket: neutron's ensure_directory_exists_without_file (a stale socket file is
// removed, but only when nobody answers on it), chmod after listen, and the "refuse" fault (a
// socket file with no listener, as a crashed agent leaves behind).
import {chmod, lstat, mkdir, rename, unlink} from 'node:fs/promises'
import net from 'node:net'
import {dirname} from 'node:path'
import {ReferenceConfigError} from './errors.js'

function probe(path: string): Promise<'listening' | 'refused'> {
  return new Promise((resolve, reject) => {
    const s = net.connect(path)
    s.once('connect', () => {
      s.destroy()
      resolve('listening')
    })
    s.once('error', (e: NodeJS.ErrnoException) => (e.code === 'ECONNREFUSED' || e.code === 'ENOENT' ? resolve('refused') : reject(e)))
  })
}

/** Make the parent directory and clear a stale socket file; refuse to touch anything else. */
export async function prepareSocketPath(path: string): Promise<void> {
  const parent = dirname(path)
  await mkdir(parent, {mode: 0o755, recursive: true})
  // a directory someone else owns (say a planted /tmp/mdctl-reference) could swap the socket
  const dir = await lstat(parent)
  const uid = process.getuid?.() ?? 0
  // a service account's own state directory (/var/lib/neutron, owner neutron) is fine when only it can write there
  const serviceDir = dir.uid < 1000 && (dir.mode & 0o022) === 0
  if (!dir.isDirectory() || (dir.uid !== uid && dir.uid !== 0 && !serviceDir)) {
    throw new ReferenceConfigError(`agent.socket: ${parent} is not a directory owned by this user, root or a system account (writable by its owner only); not using it`)
  }
  let st
  try {
    st = await lstat(path)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return
    throw error
  }
  if (!st.isSocket()) throw new ReferenceConfigError(`agent.socket: ${path} exists and is not a socket; not removing it`)
  if ((await probe(path)) === 'listening') throw new ReferenceConfigError(`agent.socket: another process is listening on ${path}`)
  await unlink(path)
}

export function listenUnix(server: net.Server, path: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (e: Error): void => reject(e)
    server.once('error', onError)
    server.listen({backlog: 4096, path}, () => {
      server.off('error', onError)
      resolve()
    })
  })
}

export const applySocketMode = (path: string, mode: number): Promise<void> => chmod(path, mode)

/**
 * Leave a socket file at `path` that nobody listens on (connect gives ECONNREFUSED). Node unlinks
 * a unix socket when its server closes, so the listener is made under a temporary name first.
 */
export async function leaveDeadSocket(path: string, mode: number): Promise<void> {
  const tmp = `${path}.${process.pid}.dead`
  const server = net.createServer()
  await listenUnix(server, tmp)
  await chmod(tmp, mode)
  await rename(tmp, path)
  await new Promise<void>((r) => server.close(() => r()))
}

/** Remove the socket file if it is still a socket (close() of a refusing agent). */
export async function removeSocketFile(path: string): Promise<void> {
  try {
    if ((await lstat(path)).isSocket()) await unlink(path)
  } catch {
    // already gone
  }
}
