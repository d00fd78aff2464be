import {execFileSync} from 'node:child_process'
import {existsSync} from 'node:fs'

import {describe, expect, it} from 'vitest'

import {labProxy, labRouterRules} from '../../src/lab/proxy-config.js'
import {deviceName, labPaths, type LabIds} from '../../src/lab/plan.js'
import {routerIptablesRestore} from '../../src/lab/router-iptables.js'
import {findScenario, resolveSpec} from '../../src/lab/scenarios.js'

// The ML2/OVS lab must write what neutron itself writes: the installed neutron's own code
// (neutron-render.py) renders the haproxy configs and the qrouter ruleset with the lab's values,
// and they are compared with what `lab up` writes, byte for byte.
const PYTHON = '/usr/bin/python3'
const hasNeutron = (): string | undefined => {
  if (!existsSync(PYTHON)) return `${PYTHON} missing`
  try {
    execFileSync(PYTHON, ['-c', 'import neutron.agent.metadata.driver, neutron.agent.l3.router_info'], {stdio: 'pipe'})
    return undefined
  } catch (error) {
    return `python3-neutron not importable (${String((error as {stderr?: Buffer}).stderr ?? error).trim().split('\n').pop()})`
  }
}
const why = hasNeutron()
if (why) console.warn(`SKIPPING the neutron fidelity tests: ${why} (CI installs python3-neutron)`)

const ids: LabIds = {
  dhcpMac: 'fa:16:3e:00:00:02',
  dhcpPort: '1ab01ab0-4444-4000-8000-000000000004',
  guestMac: 'fa:16:3e:00:00:10',
  guestPort: '1ab01ab0-5555-4000-8000-000000000005',
  instance: '1ab01ab0-6666-4000-8000-000000000006',
  network: '1ab01ab0-2222-4000-8000-000000000002',
  project: '1ab01ab0000000000000000000000007',
  router: '1ab01ab0-1111-4000-8000-000000000001',
  routerMac: 'fa:16:3e:00:00:01',
  routerPort: '1ab01ab0-3333-4000-8000-000000000003',
  staleResource: '1ab01ab0-7777-4000-8000-000000000008',
  subnet: '1ab01ab0-8888-4000-8000-000000000009',
}
const paths = labPaths('/var/lib/mdctl-lab', ids)

interface Rendered {
  version: string
  haproxy: {router: string; network: string}
  iptables: Record<string, string[]>
}

const rendered = new Map<boolean, Rendered>()
/** rendered once per setting, when a test first needs it (never while collecting a skipped suite) */
function neutronRenders(ipv6: boolean): Rendered {
  const done = rendered.get(ipv6)
  if (done) return done
  const r = renderWithNeutron(ipv6)
  rendered.set(ipv6, r)
  return r
}

function renderWithNeutron(ipv6: boolean): Rendered {
  const router = labProxy(resolveSpec(findScenario('healthy-router')!), ids, paths, ipv6)!
  const network = labProxy(resolveSpec(findScenario('healthy-dhcp')!), ids, paths, ipv6)!
  const args = {
    gatewayIp: '10.254.77.1',
    group: 'root',
    network: ids.network,
    networkPidfile: network.pidFile,
    prefixlen: 24,
    router: ids.router,
    routerBind: ipv6 ? '::' : '0.0.0.0',
    routerPidfile: router.pidFile,
    routerPort: ids.routerPort,
    routerPort9697: 9697,
    socket: paths.defaultSocket,
    user: 'root',
    ...(ipv6 ? {tap: deviceName('tap', ids.dhcpPort)} : {}),
  }
  const out = execFileSync(PYTHON, [new URL('neutron-render.py', import.meta.url).pathname, JSON.stringify(args)], {encoding: 'utf8', env: {LC_ALL: 'C', PATH: '/usr/sbin:/usr/bin:/sbin:/bin'}})
  return JSON.parse(out) as Rendered
}

/** chain → its rules, in order, and the chains declared: the ruleset as iptables holds it */
function byChain(lines: readonly string[]): Record<string, string[]> {
  const out: Record<string, string[]> = {}
  for (const l of lines) {
    if (l.startsWith(':')) out[l.slice(1).split(' ')[0]!] ??= []
    else if (l.startsWith('-A ')) (out[l.slice(3).split(' ')[0]!] ??= []).push(l)
  }
  return out
}

function tablesOf(restore: string): Record<string, string[]> {
  const out: Record<string, string[]> = {}
  let cur: string[] | undefined
  for (const l of restore.split('\n')) {
    if (l.startsWith('*')) out[l.slice(1)] = cur = [l]
    else if (cur && l !== '') cur.push(l)
  }
  return out
}

describe.skipIf(why !== undefined)("the ML2/OVS lab writes what the installed neutron's own code writes", () => {
  for (const ipv6 of [true, false]) {
    describe(ipv6 ? 'with IPv6 on' : 'with IPv6 off', () => {
      it(`is compared with neutron 21.0.0 (Debian 12)`, () => {
        expect(neutronRenders(ipv6).version).toBe('21.0.0')
      })

      it('router path: the haproxy config in ns-metadata-proxy/<router>.conf, byte for byte', () => {
        expect(labProxy(resolveSpec(findScenario('healthy-router')!), ids, paths, ipv6)?.text).toBe(neutronRenders(ipv6).haproxy.router)
      })

      it('DHCP path: the haproxy config in ns-metadata-proxy/<network>.conf, byte for byte', () => {
        expect(labProxy(resolveSpec(findScenario('healthy-dhcp')!), ids, paths, ipv6)?.text).toBe(neutronRenders(ipv6).haproxy.network)
      })
    })
  }

  const lab = tablesOf(routerIptablesRestore(labRouterRules(resolveSpec(findScenario('healthy-router')!), ids)))

  it.each(['filter', 'mangle', 'nat'])('qrouter %s table: the same chains holding the same rules, byte for byte and in order', (table) => {
    expect(byChain(lab[table] ?? [])).toEqual(byChain(neutronRenders(false).iptables[table] ?? []))
  })

  it("qrouter tables: the lab writes them in the order neutron's IptablesManager lays them out", () => {
    for (const table of ['filter', 'mangle', 'nat']) {
      // neutron leaves the policy out of its own chains; iptables-restore and -save write `- [0:0]`
      const neutron = (neutronRenders(false).iptables[table] ?? []).map((l) => (/^:neutron-\S+$/.test(l) ? `${l} - [0:0]` : l))
      expect(lab[table]).toEqual(neutron)
    }
  })

  it('redirect-missing differs from neutron by the nat REDIRECT alone', () => {
    const broken = tablesOf(routerIptablesRestore(labRouterRules(resolveSpec(findScenario('redirect-missing')!), ids)))
    expect(broken.filter).toEqual(lab.filter)
    expect(broken.mangle).toEqual(lab.mangle)
    expect(lab.nat?.filter((l) => !broken.nat?.includes(l))).toEqual(['-A neutron-l3-agent-PREROUTING -d 169.254.169.254/32 -i qr-+ -p tcp -m tcp --dport 80 -j REDIRECT --to-ports 9697'])
  })
})
