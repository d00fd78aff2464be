// Python's posixpath.normpath and a WSGI-style PATH_INFO decode, so nova's path handling quirks
// ("//x" keeps two slashes, "/a/.." is "/") are the same here.

export function normpath(path: string): string {
  if (path === '') return '.'
  let initialSlashes = path.startsWith('/') ? 1 : 0
  if (initialSlashes && path.startsWith('//') && !path.startsWith('///')) initialSlashes = 2
  const out: string[] = []
  for (const comp of path.split('/')) {
    if (comp === '' || comp === '.') continue
    if (comp !== '..' || (!initialSlashes && out.length === 0) || (out.length > 0 && out[out.length - 1] === '..')) out.push(comp)
    else if (out.length > 0) out.pop()
  }
  const joined = out.join('/')
  const result = '/'.repeat(initialSlashes) + joined
  return result === '' ? '.' : result
}

/** Percent-decode a request path as a WSGI server does (bytes), then read it as UTF-8 like webob. */
export function decodePathInfo(rawPath: string): string {
  if (!rawPath.includes('%')) return rawPath
  const bytes: number[] = []
  for (let i = 0; i < rawPath.length; i++) {
    const c = rawPath.charCodeAt(i)
    if (c === 0x25 && i + 2 < rawPath.length && /^[0-9a-fA-F]{2}$/.test(rawPath.slice(i + 1, i + 3))) {
      bytes.push(Number.parseInt(rawPath.slice(i + 1, i + 3), 16))
      i += 2
    } else if (c < 0x80) {
      bytes.push(c)
    } else {
      for (const b of Buffer.from(rawPath[i] as string, 'utf8')) bytes.push(b)
    }
  }
  return Buffer.from(bytes).toString('utf8')
}

/** Split a request target into path and query; absolute-form targets keep only their path. */
export function splitTarget(target: string): {path: string; query: string} | null {
  let t = target
  if (!t.startsWith('/')) {
    if (!/^https?:\/\//i.test(t)) return null
    const afterScheme = t.indexOf('//') + 2
    const slash = t.indexOf('/', afterScheme)
    const q = t.indexOf('?', afterScheme)
    if (slash === -1 || (q !== -1 && q < slash)) t = '/' + (q === -1 ? '' : t.slice(q))
    else t = t.slice(slash)
  }
  const qi = t.indexOf('?')
  return qi === -1 ? {path: t, query: ''} : {path: t.slice(0, qi), query: t.slice(qi + 1)}
}
