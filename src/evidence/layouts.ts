/**
 * Where each deployment keeps what the registry names, and how it restarts a service. Beside the
 * registry, not inside it: the registry says what a piece of evidence is, a layout says where one
 * kind of deployment puts it. Candidate paths are tried in order and the first that exists wins
 * (as insights-core's `first_file`).
 *
 * Read in the projects' own source:
 * - kolla-ansible (1a681814e, 2026-08): `node_config_directory: "/etc/kolla"` (group_vars/all),
 *   each container's config in `/etc/kolla/<service>/` (`neutron-metadata-agent/` holds neutron.conf
 *   and metadata_agent.ini; `neutron-l3-agent/`, `neutron-dhcp-agent/`, `nova-metadata/`),
 *   `state_path = /var/lib/neutron/kolla` (neutron.conf.j2) on the named volume
 *   `neutron_metadata_socket` (on the host under the container engine's volume directory: not
 *   read by the host-side collector, whose proxy-config checks then say what is absent),
 *   `/run/netns:/run/netns:shared`, logs `/var/log/kolla/neutron/`,
 *   containers `neutron_metadata_agent`, `neutron_l3_agent`, `neutron_dhcp_agent`,
 *   `neutron_ovn_metadata_agent`, `nova_metadata`; agents run from `/var/lib/kolla/venv/bin/`.
 * - tripleo-heat-templates (04f9e4f73): configs bind-mounted from
 *   `/var/lib/config-data/puppet-generated/neutron` and `…/nova_metadata`, state in the host's
 *   `/var/lib/neutron`, logs `/var/log/containers/neutron/metadata-agent.log`, containers
 *   `neutron_metadata_agent`, `neutron_l3_agent`, `neutron_dhcp`, `ovn_metadata_agent`,
 *   `nova_metadata`, run by systemd units `tripleo_<container>`; haproxy in sidecar containers
 *   `neutron-haproxy-qrouter-<router id>` / `neutron-haproxy-ovnmeta-<network id>`.
 * - openstack-ansible (ff0803744): configs in `/etc/neutron`, agents from
 *   `/openstack/venvs/neutron-<version>/bin/`, systemd units named after the service.
 */
export type Layout = 'packages' | 'kolla' | 'tripleo' | 'osa'

export type Service = 'metadata-agent' | 'l3-agent' | 'dhcp-agent' | 'ovn-metadata-agent' | 'nova-metadata'

export interface LayoutSpec {
  title: string
  /** candidate paths of each config evidence key, first existing wins */
  configs: Record<'node.neutron-conf' | 'node.agent-ini' | 'node.l3-ini' | 'node.dhcp-ini' | 'node.nova-conf', string[]>
  /** how services run: docker containers or systemd units, by name */
  manager: 'docker' | 'systemd'
  units: Record<Service, string>
  logs: string
  /** what the agents' argv show in this layout (recognition, and detection of the layout) */
  argvMarker?: RegExp
}

const TRIPLEO_NEUTRON = '/var/lib/config-data/puppet-generated/neutron/etc/neutron'

export const LAYOUTS: Record<Layout, LayoutSpec> = {
  kolla: {
    argvMarker: /\/var\/lib\/kolla\/venv\/bin\/neutron-/,
    configs: {
      'node.agent-ini': ['/etc/kolla/neutron-metadata-agent/metadata_agent.ini'],
      'node.dhcp-ini': ['/etc/kolla/neutron-dhcp-agent/dhcp_agent.ini'],
      'node.l3-ini': ['/etc/kolla/neutron-l3-agent/l3_agent.ini'],
      'node.neutron-conf': ['/etc/kolla/neutron-metadata-agent/neutron.conf', '/etc/kolla/neutron-l3-agent/neutron.conf', '/etc/kolla/neutron-dhcp-agent/neutron.conf'],
      'node.nova-conf': ['/etc/kolla/nova-metadata/nova.conf', '/etc/kolla/nova-api/nova.conf'],
    },
    logs: '/var/log/kolla/neutron/',
    manager: 'docker',
    units: {
      'dhcp-agent': 'neutron_dhcp_agent',
      'l3-agent': 'neutron_l3_agent',
      'metadata-agent': 'neutron_metadata_agent',
      'nova-metadata': 'nova_metadata',
      'ovn-metadata-agent': 'neutron_ovn_metadata_agent',
    },
    title: 'kolla-ansible (containers, configs in /etc/kolla/<service>/)',
  },
  osa: {
    argvMarker: /\/openstack\/venvs\/neutron-[^/]*\/bin\/neutron-/,
    configs: {
      'node.agent-ini': ['/etc/neutron/metadata_agent.ini'],
      'node.dhcp-ini': ['/etc/neutron/dhcp_agent.ini'],
      'node.l3-ini': ['/etc/neutron/l3_agent.ini'],
      'node.neutron-conf': ['/etc/neutron/neutron.conf'],
      'node.nova-conf': ['/etc/nova/nova.conf'],
    },
    logs: 'journalctl -u neutron-metadata-agent',
    manager: 'systemd',
    units: {
      'dhcp-agent': 'neutron-dhcp-agent',
      'l3-agent': 'neutron-l3-agent',
      'metadata-agent': 'neutron-metadata-agent',
      'nova-metadata': 'nova-api-metadata',
      'ovn-metadata-agent': 'neutron-ovn-metadata-agent',
    },
    title: 'OpenStack-Ansible (venvs under /openstack/venvs/)',
  },
  packages: {
    configs: {
      'node.agent-ini': ['/etc/neutron/metadata_agent.ini'],
      'node.dhcp-ini': ['/etc/neutron/dhcp_agent.ini'],
      'node.l3-ini': ['/etc/neutron/l3_agent.ini'],
      'node.neutron-conf': ['/etc/neutron/neutron.conf'],
      'node.nova-conf': ['/etc/nova/nova.conf'],
    },
    logs: '/var/log/neutron/',
    manager: 'systemd',
    units: {
      'dhcp-agent': 'neutron-dhcp-agent',
      'l3-agent': 'neutron-l3-agent',
      'metadata-agent': 'neutron-metadata-agent',
      'nova-metadata': 'nova-api-metadata',
      'ovn-metadata-agent': 'neutron-ovn-metadata-agent',
    },
    title: 'distribution packages (configs in /etc/neutron, /etc/nova)',
  },
  tripleo: {
    configs: {
      'node.agent-ini': [`${TRIPLEO_NEUTRON}/metadata_agent.ini`, `${TRIPLEO_NEUTRON}/neutron_ovn_metadata_agent.ini`],
      'node.dhcp-ini': [`${TRIPLEO_NEUTRON}/dhcp_agent.ini`],
      'node.l3-ini': [`${TRIPLEO_NEUTRON}/l3_agent.ini`],
      'node.neutron-conf': [`${TRIPLEO_NEUTRON}/neutron.conf`],
      'node.nova-conf': ['/var/lib/config-data/puppet-generated/nova_metadata/etc/nova/nova.conf', '/var/lib/config-data/puppet-generated/nova/etc/nova/nova.conf'],
    },
    logs: '/var/log/containers/neutron/',
    manager: 'systemd',
    units: {
      'dhcp-agent': 'tripleo_neutron_dhcp',
      'l3-agent': 'tripleo_neutron_l3_agent',
      'metadata-agent': 'tripleo_neutron_metadata_agent',
      'nova-metadata': 'tripleo_nova_metadata',
      'ovn-metadata-agent': 'tripleo_ovn_metadata_agent',
    },
    title: 'TripleO / RHOSP (containers, configs under /var/lib/config-data/puppet-generated/)',
  },
}

/** Most specific first: the first layout whose configs exist on a host is the host's layout. */
export const LAYOUT_ORDER: readonly Layout[] = ['kolla', 'tripleo', 'osa', 'packages']

export function serviceCommand(layout: Layout, service: Service, verb: 'restart' | 'status' = 'restart'): string {
  const l = LAYOUTS[layout]
  const unit = l.units[service]
  if (l.manager === 'docker') return verb === 'restart' ? `docker restart ${unit}` : `docker ps --all --filter name=^${unit}$`
  return `systemctl ${verb} ${unit}`
}

export const layoutTitle = (l: string | undefined): string => (l && l in LAYOUTS ? LAYOUTS[l as Layout].title : (l ?? ''))

export const restartCommand = (layout: Layout, service: Service): string => serviceCommand(layout, service)

/**
 * The layout a host's bundle shows: where its configs were read (the collector tries each
 * layout's candidates), else its agents' argv. `packages` when nothing points elsewhere.
 */
export function detectLayout(configPaths: readonly string[], argvs: readonly string[]): Layout {
  if (configPaths.some((p) => p.startsWith('/etc/kolla/')) || argvs.some((a) => LAYOUTS.kolla.argvMarker?.test(a))) return 'kolla'
  if (configPaths.some((p) => p.startsWith('/var/lib/config-data/puppet-generated/')) || argvs.some((a) => /neutron-haproxy-(qrouter|ovnmeta)-/.test(a))) return 'tripleo'
  if (argvs.some((a) => LAYOUTS.osa.argvMarker?.test(a))) return 'osa'
  return 'packages'
}

const PACKAGE_UNITS: ReadonlyArray<[RegExp, Service]> = [
  [/^neutron-metadata-agent$/, 'metadata-agent'],
  [/^neutron-l3-agent$/, 'l3-agent'],
  [/^neutron-dhcp-agent$/, 'dhcp-agent'],
  [/^neutron-ovn-metadata-agent$/, 'ovn-metadata-agent'],
  [/^nova-api-metadata$/, 'nova-metadata'],
]

/**
 * A fix command in this layout's terms: `systemctl restart|status <package units>` becomes the
 * layout's restart of each service; config paths the checks name by the package layout become
 * the paths this host's configs were read from. Anything else is kept as written.
 */
export function translateCommand(cmd: string, layout: Layout, pathMap: ReadonlyMap<string, string>): string[] {
  let out = cmd
  for (const [from, to] of pathMap) if (from !== to) out = out.split(from).join(to)
  if (layout === 'packages') return [out]
  const m = /^systemctl (restart|status) ([\w@. -]+?)(\s+#.*)?$/.exec(out)
  if (!m) return [out]
  const units = (m[2] ?? '').trim().split(/\s+/)
  const services = units.map((u) => PACKAGE_UNITS.find(([re]) => re.test(u))?.[1])
  if (services.some((s) => s === undefined)) return [out]
  return services.map((s) => serviceCommand(layout, s as Service, m[1] as 'restart' | 'status'))
}
