// Human text for the lab commands. The structured forms (--json) are the LabInfo / LabStatus
// objects themselves.
import type {LabInfo} from './info.js'
import type {Scenario} from './scenarios.js'
import type {LabStatus} from './status.js'

const breaks = (hop: string | null): string => (hop === null ? 'healthy' : `breaks ${hop}`)

export function renderLabUp(lab: LabInfo, ms: number): string {
  const lines = [
    `lab up in ${(ms / 1000).toFixed(1)} s: scenario ${lab.scenario} (${lab.path} path, ${breaks(lab.expectedHop)})`,
    `  guest     ${lab.namespaces.guest}  eth0 ${lab.addresses.guest} (${lab.addresses.guestMac}), instance ${lab.ids.instance}`,
    ...(lab.namespaces.router ? [`  router    ${lab.namespaces.router}  qr- ${lab.addresses.gateway}`] : []),
    `  dhcp      ${lab.namespaces.dhcp}  tap ${lab.addresses.dhcpPort}`,
    `  nova API  http://${lab.api.host}:${lab.api.port}   agent socket ${lab.paths.agentSocket}`,
    `  configs   ${lab.paths.neutronConfigDir}, ${lab.paths.novaConfig}`,
    '',
    'Try it from the guest:',
    `  nsenter --net=/run/netns/${lab.namespaces.guest} curl -s http://169.254.169.254/openstack/latest/meta_data.json`,
    'Diagnose the node side:',
    `  ${lab.commands.doctor}`,
    'Diagnose the guest side:',
    `  ${lab.commands.guest}`,
    'Tear down:',
    `  mdctl lab down${lab.stateDir === '/var/lib/mdctl-lab' ? '' : ` --state-dir ${lab.stateDir}`}`,
  ]
  return lines.join('\n')
}

export function renderLabStatus(s: LabStatus): string {
  if (s.lab === undefined) {
    const stray = s.strays.length > 0 ? `\nlab namespaces without a state file: ${s.strays.join(', ')} (remove with \`mdctl lab down\`)` : ''
    return `no lab in ${s.stateDir}${stray}`
  }
  const lab = s.lab
  const mark = (ok: boolean): string => (ok ? 'ok  ' : 'GONE')
  return [
    `${s.up ? 'up' : lab.complete ? 'degraded' : 'half-built'}: scenario ${lab.scenario} (${lab.path} path, ${breaks(lab.expectedHop)}) in ${s.stateDir}`,
    ...s.namespaces.map((n) => `  ${mark(n.present)} netns   ${n.name}`),
    ...s.processes.map((p) => `  ${p.running ? 'ok  ' : 'dead'} ${p.role.padEnd(14)} pid ${p.pid}${p.netns ? ` in ${p.netns}` : ''}`),
    ...(s.strays.length > 0 ? [`  stray namespaces: ${s.strays.join(', ')}`] : []),
    `doctor: ${lab.commands.doctor}`,
    `guest:  ${lab.commands.guest}`,
  ].join('\n')
}

export function renderScenarios(list: ReadonlyArray<Pick<Scenario, 'name' | 'expectedHop' | 'description'> & Partial<Pick<Scenario, 'alsoOn'>> & {path: string}>): string {
  const w = Math.max(...list.map((s) => s.name.length))
  const row = (name: string, path: string, hop: string, what: string): string => `${name.padEnd(w)}  ${path.padEnd(6)}  ${hop.padEnd(11)}  ${what}`
  const also = (s: Pick<Scenario, 'alsoOn'>): string => (s.alsoOn ? ` (also --path ${s.alsoOn.path}: breaks ${s.alsoOn.expectedHop ?? 'nothing'})` : '')
  return [row('SCENARIO', 'PATH', 'BREAKS', 'WHAT IT BUILDS'), ...list.map((s) => row(s.name, s.path, s.expectedHop ?? '-', `${s.description}${also(s)}`))].join('\n')
}
