import {isIP} from 'node:net'
import {ReferenceConfigError} from './errors.js'

export interface ListenAddress {
  host: string
  port: number
}

/** `127.0.0.1:9697`, `[::1]:8775`, `169.254.169.254:80`; port 0 picks a free port. */
export function parseListenAddress(value: string, where: string): ListenAddress {
  const m = /^\[([^\]]+)\]:(\d{1,5})$/.exec(value) ?? /^([^:[\]]+):(\d{1,5})$/.exec(value)
  const host = m?.[1]
  const port = Number(m?.[2])
  if (!m || !host || !isIP(host) || !(port >= 0 && port <= 65535)) {
    throw new ReferenceConfigError(`${where}: ${JSON.stringify(value)} is not HOST:PORT with an IP address (e.g. 127.0.0.1:9697 or [::1]:9697)`)
  }
  return {host, port}
}

export const formatAddress = (host: string, port: number): string => (isIP(host) === 6 ? `[${host}]:${port}` : `${host}:${port}`)
