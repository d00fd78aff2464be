import {describe, expect, it} from 'vitest'

import type {Capture} from '../../src/sources/capture.js'
import {fingerprint, isFingerprint, Redactor} from '../../src/sources/redact.js'

const AGENT = `[DEFAULT]
nova_metadata_host = 10.0.0.10
metadata_proxy_shared_secret = s3cr3t-Value
`
const NOVA = `[DEFAULT]
transport_url = rabbit://openstack:rabbitpass@ctl:5672/
[database]
connection = mysql+pymysql://nova:dbpass@ctl/nova
[neutron]
service_metadata_proxy = true
metadata_proxy_shared_secret = s3cr3t-Value
password = keystonepass
`

describe('Redactor', () => {
  it('replaces the shared secret with a salted fingerprint, equal on both sides', () => {
    const r = new Redactor('salt-1')
    const a = r.redactIni(AGENT)
    const n = r.redactIni(NOVA)
    expect(a).not.toContain('s3cr3t-Value')
    expect(n).not.toContain('s3cr3t-Value')
    const fa = /metadata_proxy_shared_secret = (.*)/.exec(a)?.[1] ?? ''
    const fn = /metadata_proxy_shared_secret = (.*)/.exec(n)?.[1] ?? ''
    expect(isFingerprint(fa)).toBe(true)
    expect(fa).toBe(fn)
  })

  it('gives different fingerprints for different secrets and for different salts', () => {
    expect(fingerprint('a', 'salt')).not.toBe(fingerprint('b', 'salt'))
    expect(fingerprint('a', 'salt-1')).not.toBe(fingerprint('a', 'salt-2'))
  })

  it('redacts other credentials in nova.conf: passwords, connection strings, transport URLs', () => {
    const n = new Redactor('x').redactIni(NOVA)
    for (const leaked of ['rabbitpass', 'dbpass', 'keystonepass']) expect(n).not.toContain(leaked)
    expect(n).toContain('service_metadata_proxy = true')
  })

  it('keeps an empty secret empty, because "not set" is itself a finding', () => {
    expect(new Redactor('x').redactIni('metadata_proxy_shared_secret =\n')).toBe('metadata_proxy_shared_secret =\n')
  })

  it('scrubs a secret seen in a config out of every later capture', () => {
    const r = new Redactor('x')
    r.redactIni(AGENT)
    const c: Capture = {argv: ['ps'], durationMs: 0, exitCode: 0, key: 'node.ps', origin: 't', stderr: 'x s3cr3t-Value', stdout: '1 root agent --secret=s3cr3t-Value'}
    const s = r.scrub(c)
    expect(JSON.stringify(s)).not.toContain('s3cr3t-Value')
  })
})
