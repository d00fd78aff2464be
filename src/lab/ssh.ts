// Optional sshd in the guest namespace, so `mdctl guest --ssh` can be tried against the lab. Its
// keys, config, pid file and log live in the lab directory; it listens on the guest IP only.
import {mkdir, readFile, writeFile} from 'node:fs/promises'
import {join} from 'node:path'

import {LabError} from './errors.js'
import {GUEST_IP, HOST_LINK, HOST_SSH_IP, type LabPaths} from './plan.js'
import {findTool} from './preflight.js'
import {run} from './run.js'

export function sshdConfig(p: LabPaths): string {
  return [
    `ListenAddress ${GUEST_IP}`,
    'Port 22',
    `HostKey ${p.sshHostKey}`,
    `PidFile ${p.sshdPid}`,
    `AuthorizedKeysFile ${join(p.sshDir, 'authorized_keys')}`,
    'PermitRootLogin prohibit-password',
    'PubkeyAuthentication yes',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'UsePAM no',
    // the lab directory may sit under a world-writable parent such as /tmp
    'StrictModes no',
    'UseDNS no',
    'PrintMotd no',
    'Subsystem sftp internal-sftp',
    '',
  ].join('\n')
}

/** Keys, authorized_keys, known_hosts and config; returns the sshd argv. */
export async function prepareSsh(p: LabPaths): Promise<string[]> {
  await mkdir(p.sshDir, {mode: 0o700, recursive: true})
  await run(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-C', 'mdctl-lab-host', '-f', p.sshHostKey])
  await run(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-C', 'mdctl-lab-client', '-f', p.sshClientKey])
  const clientPub = await readFile(`${p.sshClientKey}.pub`, 'utf8')
  const hostPub = (await readFile(`${p.sshHostKey}.pub`, 'utf8')).trim().split(/\s+/).slice(0, 2).join(' ')
  await writeFile(join(p.sshDir, 'authorized_keys'), clientPub, {mode: 0o600})
  await writeFile(join(p.sshDir, 'known_hosts'), `${GUEST_IP} ${hostPub}\n`, {mode: 0o644})
  await writeFile(p.sshdConfig, sshdConfig(p), {mode: 0o600})
  const sshd = await findTool('sshd')
  if (sshd === undefined) throw new LabError('sshd not found (Debian package openssh-server)')
  // sshd re-executes itself and so wants an absolute path
  return [sshd, '-f', p.sshdConfig, '-E', join(p.logDir, 'sshd.log')]
}

/** sshd's privilege separation directory; created only when missing, and then removed by `down`. */
export const SSHD_PRIVSEP_DIR = '/run/sshd'

/**
 * Refuse --ssh when the lab subnet is already routed on this host: the /32 route the ssh veth adds
 * would shadow it.
 */
export async function assertHostRouteFree(): Promise<void> {
  const r = await run(['ip', '-4', '-o', 'route', 'show', 'match', GUEST_IP], {allowFail: true})
  const specific = r.stdout.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('default'))
  if (specific.length > 0) {
    throw new LabError(`--ssh: ${GUEST_IP} is already routed on this host (${specific[0]?.trim()}); the lab's ssh route would shadow it`)
  }
}

export async function addHostRoute(): Promise<void> {
  // IPv4 only: no link-local address, router solicitations or DAD from the host into the lab
  await run(['sysctl', '-q', '-w', `net.ipv6.conf.${HOST_LINK}.disable_ipv6=1`], {allowFail: true})
  await run(['ip', 'addr', 'add', `${HOST_SSH_IP}/32`, 'dev', HOST_LINK])
  await run(['ip', 'link', 'set', HOST_LINK, 'up'])
  await run(['ip', 'route', 'add', `${GUEST_IP}/32`, 'dev', HOST_LINK, 'src', HOST_SSH_IP])
}
