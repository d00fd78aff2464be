import {createHmac, randomBytes} from 'node:crypto'

import type {Capture} from './capture.js'

/** Option names that carry the metadata shared secret, across releases (facts §7.1, §8.2). */
export const SECRET_KEYS = ['metadata_proxy_shared_secret', 'neutron_metadata_proxy_shared_secret', 'quantum_metadata_proxy_shared_secret']

// Anything else in neutron.conf / nova.conf that must not leave the host.
const SENSITIVE_KEY = /(pass(word)?|secret|token|credential|private_key|_key_file|^connection$|transport_url|^auth_key$)/i
/** for collectors outside this program (case-insensitive) */
export const SENSITIVE_KEY_SOURCE = SENSITIVE_KEY.source
// credentials inside URLs (transport_url style) under any key
// `key = value` lines of an oslo.config file: indent, key, separator, value
export const INI_LINE = /^([ \t]*)([A-Za-z0-9_.-]+)([ \t]*[=:][ \t]*)(.*)$/gm
export const URL_CREDENTIALS = /(\w+:\/\/[^:/@\s]*:)([^@\s]+)@/g

export const FP_PREFIX = '<fingerprint hmac-sha256:'
export const FP_HEX_LENGTH = 16

/** Salted fingerprint of a secret: equality stays decidable, the value is gone. */
export function fingerprint(secret: string, salt: string): string {
  return `${FP_PREFIX}${createHmac('sha256', salt).update(secret, 'utf8').digest('hex').slice(0, FP_HEX_LENGTH)}>`
}

/**
 * A value sos (or oslo.config's own log dump) replaced with asterisks: `*********`, `****`.
 * Masked values say "set", never what: they are not compared.
 */
export const isMasked = (value: string): boolean => /^\*{3,}$/.test(value.trim())

export function isFingerprint(value: string): boolean {
  return value.startsWith(FP_PREFIX) && value.endsWith('>')
}

export const newSalt = (): string => randomBytes(16).toString('hex')

/**
 * Replaces secrets at capture time. Shared-secret options become salted fingerprints (empty stays
 * empty: "not set" is itself a finding); other credentials become `<redacted>`; any secret value
 * seen once is scrubbed from every later capture too (a secret on a command line, say).
 */
export class Redactor {
  private readonly seen = new Set<string>()

  /** keepMasked: leave values already masked as asterisks as they are (sosreports) */
  constructor(
    readonly salt: string = newSalt(),
    private readonly opts: {keepMasked?: boolean} = {},
  ) {}

  /** Redact an ini-style config (oslo.config): `key = value` lines. */
  redactIni(text: string): string {
    return text.replace(INI_LINE, (line, indent: string, key: string, sep: string, value: string) => {
      const v = value.trim()
      if (v === '' || isFingerprint(v) || v === '<redacted>' || (this.opts.keepMasked === true && isMasked(v))) return line
      if (SECRET_KEYS.includes(key.toLowerCase())) {
        this.seen.add(v)
        return `${indent}${key}${sep}${fingerprint(v, this.salt)}`
      }
      if (SENSITIVE_KEY.test(key)) {
        if (v.length >= 4) this.seen.add(v)
        return `${indent}${key}${sep}<redacted>`
      }
      // URLs with credentials (transport_url style) under any key
      return line.replace(URL_CREDENTIALS, '$1<redacted>@')
    })
  }

  /** Scrub every secret seen so far out of a capture. */
  scrub(c: Capture): Capture {
    if (this.seen.size === 0) return c
    let {stdout, stderr} = c
    for (const s of this.seen) {
      if (stdout.includes(s)) stdout = stdout.split(s).join('<redacted>')
      if (stderr.includes(s)) stderr = stderr.split(s).join('<redacted>')
    }
    return stdout === c.stdout && stderr === c.stderr ? c : {...c, stderr, stdout}
  }
}
