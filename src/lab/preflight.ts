// What `lab up` needs from the host before it changes anything: Linux, root, and the tools.
import {constants} from 'node:fs'
import {access} from 'node:fs/promises'
import {delimiter, join} from 'node:path'

import {LabError} from './errors.js'

/** tool -> Debian package that ships it */
export const LAB_TOOLS: Readonly<Record<string, string>> = {
  dhclient: 'isc-dhcp-client',
  dnsmasq: 'dnsmasq-base',
  haproxy: 'haproxy',
  ip: 'iproute2',
  iptables: 'iptables',
  'iptables-restore': 'iptables',
  'iptables-save': 'iptables',
  nsenter: 'util-linux',
}

export const SSH_TOOLS: Readonly<Record<string, string>> = {
  'ssh-keygen': 'openssh-client',
  sshd: 'openssh-server',
}

// root's PATH may lack the sbin directories on some distributions
const EXTRA_DIRS = ['/usr/local/sbin', '/usr/sbin', '/sbin']

export async function findTool(name: string): Promise<string | undefined> {
  const dirs = [...(process.env.PATH ?? '').split(delimiter).filter(Boolean), ...EXTRA_DIRS]
  for (const d of dirs) {
    const p = join(d, name)
    try {
      await access(p, constants.X_OK)
      return p
    } catch {
      // not here
    }
  }
  return undefined
}

export async function missingTools(tools: Readonly<Record<string, string>>): Promise<Array<{tool: string; pkg: string}>> {
  const found = await Promise.all(Object.keys(tools).map(async (t) => ((await findTool(t)) ? undefined : t)))
  return found.filter((t): t is string => t !== undefined).map((tool) => ({pkg: tools[tool] ?? tool, tool}))
}

export function assertRootOnLinux(): void {
  if (process.platform !== 'linux') throw new LabError(`mdctl lab needs Linux network namespaces; this is ${process.platform}`)
  if (process.getuid?.() !== 0) throw new LabError('mdctl lab needs root (network namespaces, iptables, daemons): run it with sudo')
}

export function missingToolsMessage(missing: ReadonlyArray<{tool: string; pkg: string}>): string {
  const pkgs = [...new Set(missing.map((m) => m.pkg))].sort()
  return `missing tools: ${missing.map((m) => `${m.tool} (${m.pkg})`).join(', ')}; install with: apt-get install ${pkgs.join(' ')}`
}

export async function preflight(ssh: boolean): Promise<void> {
  assertRootOnLinux()
  const missing = await missingTools(ssh ? {...LAB_TOOLS, ...SSH_TOOLS} : LAB_TOOLS)
  if (missing.length > 0) throw new LabError(missingToolsMessage(missing))
}
