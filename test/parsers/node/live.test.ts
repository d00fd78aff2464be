/**
 * The parsers against the tools installed on this machine, run now: a qrouter-like namespace with
 * neutron master's metadata rules, haproxy started on the config neutron renders, a stand-in agent
 * on the unix socket, and a guest namespace whose request to 169.254.169.254 goes through all of it.
 * Needs root, iproute2, iptables, haproxy, ss, netstat, python3.
 */
import {type ChildProcess, spawn, spawnSync} from 'node:child_process'
import {chmodSync, chownSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {renderNeutronHaproxyConfig} from '../../../src/lib/neutron-haproxy-template.js'
import {metadataIdentity, parseHaproxyConfig} from '../../../src/parsers/haproxy-config.js'
import {parseRawHttpResponse} from '../../../src/parsers/http-response.js'
import {parseIpAddrJson} from '../../../src/parsers/ip-addr.js'
import {parseIpAddrText} from '../../../src/parsers/ip-addr-text.js'
import {parseIptablesSave, reachableRules} from '../../../src/parsers/iptables-save.js'
import {parseNetstatListeners} from '../../../src/parsers/netstat-listeners.js'
import {parseProxyCmdline} from '../../../src/parsers/neutron-proxy-cmdline.js'
import {parsePsOutput} from '../../../src/parsers/ps.js'
import {parseSsListeners} from '../../../src/parsers/ss-listeners.js'
import {parseStat} from '../../../src/parsers/stat.js'
import {SAMPLES} from './samples.js'

const TOOLS = ['ip', 'iptables', 'iptables-save', 'ip6tables', 'haproxy', 'ss', 'netstat', 'python3', 'nsenter']
const missing = TOOLS.filter((t) => spawnSync('sh', ['-c', `command -v ${t}`]).status !== 0)
const isRoot = process.getuid?.() === 0
const canRun = isRoot && missing.length === 0
if (!canRun) console.warn(`SKIPPING live parser tests: ${isRoot ? `missing tools: ${missing.join(', ')}` : 'they need root (network namespaces, iptables)'}`)

const ROUTER = '5a3c3b4e-1111-2222-3333-444455556666'
const RTR = `mdnp-live-${process.pid}-r`
const VM = `mdnp-live-${process.pid}-v`
const W = 'neutron-l3-agent'

function run(args: string[], input?: string): {status: number | null; stdout: string; stderr: string} {
  const r = spawnSync(args[0] as string, args.slice(1), {encoding: 'utf8', input, timeout: 20_000})
  return {status: r.status, stderr: r.stderr ?? '', stdout: r.stdout ?? ''}
}

function must(args: string[]): string {
  const r = run(args)
  if (r.status !== 0) throw new Error(`${args.join(' ')} exited ${r.status}: ${r.stderr.trim()}`)
  return r.stdout
}

const inNs = (ns: string, args: string[]): string[] => ['nsenter', `--net=/run/netns/${ns}`, ...args]

// The agent runs as nobody, like neutron's agent runs unprivileged: it needs a python it can reach
// (a pyenv shim under /root is not).
const PYTHON = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3'

/** A raw HTTP GET from the guest namespace, returning the bytes read, as an active probe records them. */
const probe = (urlPath: string): string =>
  must(
    inNs(VM, [
      'python3',
      '-c',
      `import socket,sys
s=socket.create_connection(('169.254.169.254',80),timeout=10)
s.sendall(b'GET ${urlPath} HTTP/1.1\\r\\nHost: 169.254.169.254\\r\\nConnection: close\\r\\n\\r\\n')
d=b''
while True:
    c=s.recv(65536)
    if not c: break
    d+=c
sys.stdout.write(d.decode('latin-1'))`,
    ]),
  )

describe.skipIf(!canRun)('parsers on tools run now in namespaces built like neutron’s', () => {
  let dir = ''
  let sock = ''
  let conf = ''
  let pidfile = ''
  let agent: ChildProcess | undefined

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'mdnp-live-'))
    chmodSync(dir, 0o755)
    mkdirSync(path.join(dir, 'ns-metadata-proxy'))
    mkdirSync(path.join(dir, 'run'))
    chownSync(path.join(dir, 'run'), 65_534, 65_534)
    sock = path.join(dir, 'run', 'metadata_proxy')
    conf = path.join(dir, 'ns-metadata-proxy', `${ROUTER}.conf`)
    pidfile = path.join(dir, `${ROUTER}.pid.haproxy`)
    for (const ns of [RTR, VM]) {
      must(['ip', 'netns', 'add', ns])
      must(['ip', '-n', ns, 'link', 'set', 'lo', 'up'])
    }
    must(['ip', 'link', 'add', 'qr-1a2b3c4d-5e', 'netns', RTR, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', VM])
    must(['ip', '-n', RTR, 'addr', 'add', '10.0.0.1/24', 'dev', 'qr-1a2b3c4d-5e'])
    must(['ip', '-n', RTR, 'link', 'set', 'qr-1a2b3c4d-5e', 'up'])
    must(['ip', '-n', VM, 'addr', 'add', '10.0.0.5/24', 'dev', 'eth0'])
    must(['ip', '-n', VM, 'link', 'set', 'eth0', 'up'])
    must(['ip', '-n', VM, 'route', 'add', 'default', 'via', '10.0.0.1'])
    // neutron master: builtin chains jump to wrapped ones; the metadata rules sit in the wrapped chains
    const ipt = (...a: string[]): string => must(inNs(RTR, ['iptables', ...a]))
    for (const [table, chain] of [['nat', 'PREROUTING'], ['filter', 'INPUT'], ['filter', 'FORWARD'], ['mangle', 'PREROUTING']] as const) {
      ipt('-t', table, '-N', `${W}-${chain}`)
      ipt('-t', table, '-A', chain, '-j', `${W}-${chain}`)
    }
    ipt('-t', 'filter', '-N', `${W}-scope`)
    ipt('-t', 'filter', '-A', `${W}-FORWARD`, '-j', `${W}-scope`)
    ipt('-t', 'nat', '-A', `${W}-PREROUTING`, ...'-d 169.254.169.254/32 -i qr-+ -p tcp -m tcp --dport 80 -j REDIRECT --to-ports 9697'.split(' '))
    ipt('-t', 'filter', '-A', `${W}-INPUT`, ...'-m mark --mark 0x1/0xffff -j ACCEPT'.split(' '))
    ipt('-t', 'filter', '-A', `${W}-INPUT`, ...'-p tcp -m tcp --dport 9697 -j DROP'.split(' '))
    ipt('-t', 'filter', '-A', `${W}-scope`, ...'-m mark --mark 0x1/0xffff -j DROP'.split(' '))
    ipt('-t', 'mangle', '-A', `${W}-PREROUTING`, ...'-d 169.254.169.254/32 -i qr-+ -p tcp -m tcp --dport 80 -j MARK --set-xmark 0x1/0xffff'.split(' '))
    copyFileSync(path.join(SAMPLES, 'agent-emulator.py'), path.join(dir, 'agent.py'))
    agent = spawn('nsenter', [`--net=/run/netns/${RTR}`, 'setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', PYTHON, path.join(dir, 'agent.py'), sock], {stdio: 'ignore'})
    for (let i = 0; i < 100 && !existsSync(sock); i++) await new Promise((r) => setTimeout(r, 50))
    if (!existsSync(sock)) throw new Error(`the stand-in agent did not create ${sock}`)
    writeFileSync(conf, renderNeutronHaproxyConfig({bind: ':::9697', group: 'root', id: ROUTER, kind: 'router', pidfile, socketPath: sock, user: 'root'}))
    must(inNs(RTR, ['haproxy', '-f', conf]))
    for (let i = 0; i < 100 && !existsSync(pidfile); i++) await new Promise((r) => setTimeout(r, 50))
  })

  afterAll(() => {
    agent?.kill('SIGKILL')
    if (pidfile && existsSync(pidfile)) {
      for (const p of readFileSync(pidfile, 'utf8').split('\n').filter(Boolean)) run(['kill', p])
    }
    for (const ns of [RTR, VM]) run(['ip', 'netns', 'del', ns])
    if (dir) rmSync(dir, {force: true, recursive: true})
  })

  it('iptables-save: the REDIRECT, MARK, INPUT and scope rules are reachable from the builtin chains', () => {
    const save = parseIptablesSave(must(inNs(RTR, ['iptables-save'])))
    expect(save.warnings.filter((w) => !/legacy/.test(w))).toEqual([])
    expect(reachableRules(save, 'nat', 'PREROUTING').find((r) => r.target === 'REDIRECT')).toMatchObject({dport: 80, dst: '169.254.169.254/32', inIface: 'qr-+', toPorts: '9697'})
    expect(reachableRules(save, 'mangle', 'PREROUTING').find((r) => r.target === 'MARK')).toMatchObject({setMark: '0x1/0xffff'})
    expect(reachableRules(save, 'filter', 'INPUT').map((r) => r.target)).toEqual([`${W}-INPUT`, 'ACCEPT', 'DROP'])
    expect(reachableRules(save, 'filter', 'FORWARD').at(-1)).toMatchObject({markMatch: '0x1/0xffff', target: 'DROP'})
    expect(parseIptablesSave(must(inNs(RTR, ['iptables-save', '-c']))).tables).toEqual(save.tables)
  })

  it('ss and netstat both find haproxy on 9697 and the agent on its socket, with the same pids', () => {
    const ss = [...parseSsListeners(must(inNs(RTR, ['ss', '-Hnltep']))), ...parseSsListeners(must(inNs(RTR, ['ss', '-Hxlep'])))]
    const ns = [...parseNetstatListeners(must(inNs(RTR, ['netstat', '-lntp']))), ...parseNetstatListeners(must(inNs(RTR, ['netstat', '-lxp'])))]
    const haproxyPid = Number(readFileSync(pidfile, 'utf8').split('\n')[0])
    for (const list of [ss, ns]) {
      expect(list.find((l) => l.port === 9697)?.processes.map((p) => p.pid)).toContain(haproxyPid)
      expect(list.find((l) => l.proto === 'unix' && l.address === sock)?.processes[0]?.pid).toBe(agent?.pid)
    }
    expect(ss.find((l) => l.proto === 'unix')?.inode).toBe(ns.find((l) => l.proto === 'unix')?.inode)
    expect(parseStat(must(['stat', '-c', '%n|%F|%a|%u|%g|%U|%G|%i', sock]))).toMatchObject({inode: ss.find((l) => l.proto === 'unix')?.fileInode, type: 'socket', uid: 65_534})
  })

  it('ps and /proc show the haproxy neutron starts, and its config names the same router', () => {
    const haproxyPid = readFileSync(pidfile, 'utf8').split('\n')[0] as string
    const [row] = parsePsOutput(must(['ps', '-ww', '-o', 'pid=,user=,args=', '-p', haproxyPid]))
    const fromPs = parseProxyCmdline(row?.args ?? [])
    const fromProc = parseProxyCmdline(readFileSync(`/proc/${haproxyPid}/cmdline`, 'utf8').split('\0'))
    expect(fromPs).toEqual({configPath: conf, id: ROUTER, kind: 'haproxy'})
    expect(fromProc).toEqual(fromPs)
    expect(metadataIdentity(parseHaproxyConfig(readFileSync(conf, 'utf8')))).toEqual({id: ROUTER, kind: 'router'})
  })

  it('ip -json addr and ip addr agree on the qr- device', () => {
    const json = parseIpAddrJson(must(inNs(RTR, ['ip', '-json', 'addr'])))
    expect(parseIpAddrText(must(inNs(RTR, ['ip', 'addr'])))).toEqual(json)
    expect(json.find((l) => l.ifname === 'qr-1a2b3c4d-5e')?.addrs[0]).toEqual({family: 'inet', local: '10.0.0.1', prefixlen: 24, scope: 'global'})
  })

  it('a guest request through REDIRECT and haproxy gets the version list, then haproxy’s 503 once the agent is gone', async () => {
    const ok = parseRawHttpResponse(probe('/'))
    expect(ok).toMatchObject({status: 200, warnings: []})
    expect(ok.body.split('\n').at(-1)).toBe('latest')
    expect(parseRawHttpResponse(probe('/notfound')).body).toContain(`Instance was not found on router ${ROUTER}.`)
    agent?.kill('SIGKILL')
    await new Promise((r) => setTimeout(r, 200))
    rmSync(sock, {force: true})
    const down = parseRawHttpResponse(probe('/openstack'))
    expect(down).toMatchObject({headers: {'content-type': 'text/html'}, status: 503})
    expect(down.body).toContain('No server is available to handle this request.')
  })
})
