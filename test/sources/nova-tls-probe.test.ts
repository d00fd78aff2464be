import {execFileSync} from 'node:child_process'
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {createServer, type Server} from 'node:https'
import {createServer as createNetServer, type Server as NetServer} from 'node:net'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {httpProbe} from '../../src/sources/http-probe.js'
import {LiveNodeSource} from '../../src/sources/live-node.js'

// nova's metadata API behind TLS, on loopback, with a CA and a client certificate made by openssl:
// the agent talks https to it when nova_metadata_protocol = https, so the probes must too.
const dir = mkdtempSync(join(tmpdir(), 'mdctl-nova-tls-'))
const f = (n: string): string => join(dir, n)
let server: Server
let silent: NetServer
let port = 0
let silentPort = 0
let clientCertSeen = false

function openssl(args: string[]): void {
  execFileSync('openssl', args, {cwd: dir, stdio: 'pipe'})
}

beforeAll(async () => {
  openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '1', '-subj', '/CN=mdctl test CA'])
  writeFileSync(f('san.ext'), 'subjectAltName=IP:127.0.0.1\n')
  openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1'])
  openssl(['x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.pem', '-days', '1', '-extfile', 'san.ext'])
  openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'client.key', '-out', 'client.csr', '-subj', '/CN=neutron'])
  openssl(['x509', '-req', '-in', 'client.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'client.pem', '-days', '1'])
  const read = (n: string): string => readFileSync(f(n), 'utf8')
  server = createServer({ca: read('ca.pem'), cert: read('server.pem'), key: read('server.key'), rejectUnauthorized: true, requestCert: true}, (req, res) => {
    clientCertSeen = (req.socket as import('node:tls').TLSSocket).getPeerCertificate().subject?.CN === 'neutron'
    res.writeHead(200, {'Content-Type': 'text/plain'})
    res.end('1.0\n2009-04-04\nlatest\n')
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  port = (server.address() as {port: number}).port
  // accepts the connection, never answers: a stuck nova-api or agent
  silent = createNetServer(() => {})
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r))
  silentPort = (silent.address() as {port: number}).port
})
afterAll(() => {
  server?.close()
  silent?.close()
  rmSync(dir, {force: true, recursive: true})
})

describe('nova over https', () => {
  it('answers the probe with the CA and client certificate from metadata_agent.ini', async () => {
    const src = new LiveNodeSource()
    writeFileSync(f('metadata_agent.ini'), `[DEFAULT]\nnova_metadata_host = 127.0.0.1\nnova_metadata_port = ${port}\nnova_metadata_protocol = https\nauth_ca_cert = ${f('ca.pem')}\nnova_client_cert = ${f('client.pem')}\nnova_client_priv_key = ${f('client.key')}\nmetadata_proxy_shared_secret = s3cr3t\n`)
    const paths = {neutronConfigDir: dir, novaConfig: f('nova.conf'), socketPath: f('sock'), statePath: dir}
    await src.get('node.agent-ini', paths)
    const url = `https://127.0.0.1:${port}`
    const root = await src.probe({key: 'probe.nova-root', param: url, url: `${url}/`}, paths)
    expect(root.exitCode, root.stderr).toBe(0)
    expect(root.stdout).toContain('2009-04-04')
    expect(clientCertSeen).toBe(true)
    const signed = await src.probe({key: 'probe.nova-signed', param: url, signWith: 'agent', url: `${url}/openstack`}, paths)
    expect(signed.exitCode, signed.stderr).toBe(0)
  })

  it('honours nova_metadata_insecure (no CA) and refuses an unknown CA otherwise', async () => {
    const url = `https://127.0.0.1:${port}/`
    const cert = readFileSync(f('client.pem'), 'utf8')
    const key = readFileSync(f('client.key'), 'utf8')
    expect((await httpProbe({tls: {cert, insecure: true, key}, url})).exitCode).toBe(0)
    const untrusted = await httpProbe({tls: {cert, key}, url})
    expect(untrusted.exitCode).not.toBe(0)
    expect(untrusted.stderr).toMatch(/certificate/i)
  })

  it('a plain http probe of the TLS port does not pass for nova', async () => {
    const plain = await httpProbe({url: `http://127.0.0.1:${port}/`})
    expect(plain.exitCode === 0 && plain.stdout.includes('2009-04-04')).toBe(false)
  })
})

describe('a probe that connects and then hears nothing', () => {
  it('says it connected, and how long it waited: the far side is stuck, not the path', async () => {
    const r = await httpProbe({timeoutMs: 400, url: `http://127.0.0.1:${silentPort}/`})
    expect(r.exitCode).toBe(28)
    expect(r.stderr).toMatch(/^connected in \d+ ms, then no response within \d+ ms/)
  })
})

describe('the signed probe and the agent secret', () => {
  it('is not made when metadata_agent.ini was not read: a key guessed empty would turn 403 into a false mismatch', async () => {
    const src = new LiveNodeSource()
    const paths = {neutronConfigDir: f('absent'), novaConfig: f('absent/nova.conf'), socketPath: f('sock'), statePath: dir}
    await src.get('node.agent-ini', paths)
    const url = `http://127.0.0.1:${silentPort}`
    const signed = await src.probe({key: 'probe.nova-signed', param: url, signWith: 'agent', url: `${url}/openstack`}, paths)
    expect(signed.exitCode).toBe(-1)
    expect(signed.stderr).toMatch(/not probed: metadata_agent\.ini was not found/)
  })
})
