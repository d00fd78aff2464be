/**
 * Regenerates the real-tool samples under samples/ (root, Linux, the tools listed below):
 *
 *   npx tsx test/parsers/guest/capture-samples.ts
 *
 * Every run is recorded in samples/captures.json (argv, exit code, which stream was saved),
 * so the tests read exit codes from there instead of restating them.
 */
import {writeFileSync} from 'node:fs'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {cannotRun, Lab, type Run} from './lab.js'
import {blkidConfigDrive, cloudInitLog, dhclientLease, httpProbes, networkdLease, probeFailuresRouting, proxyEnvironment, routesAndNeighbours, type Captures} from './scenarios.js'

const SAMPLES = join(dirname(fileURLToPath(import.meta.url)), 'samples')
const TOOLS = ['ip', 'route', 'arp', 'curl', 'wget', 'nc', 'dnsmasq', 'dhclient', 'haproxy', 'blkid', 'lsblk', 'mkfs.ext4', 'truncate', 'unshare']

interface Entry {
  argv: string[]
  exitCode: number
  /** what the sample holds: the command's stdout or stderr, or a file it wrote */
  stream: 'stdout' | 'stderr' | 'file'
  /** the file, for stream `file` */
  file?: string
  bodyFile?: string
}

const manifest: Record<string, Entry> = {}

function save(name: string, r: Run, stream?: 'stdout' | 'stderr'): void {
  const s = stream ?? (r.stdout.trim() === '' && r.stderr.trim() !== '' ? 'stderr' : 'stdout')
  const file = `${name}.txt`
  const text = s === 'stdout' ? r.stdout : r.stderr
  writeFileSync(join(SAMPLES, file), text)
  const e: Entry = {argv: portableArgv(r.argv), exitCode: r.exitCode, stream: s}
  manifest[file] = e
  if (name.startsWith('wget-response--')) {
    e.bodyFile = `${name}.body.txt`
    writeFileSync(join(SAMPLES, e.bodyFile), r.stdout)
  }
}

/** A file the command wrote (a lease, a log) rather than what it printed. */
function saveFile(name: string, r: Run, path: string, content: string): void {
  writeFileSync(join(SAMPLES, `${name}.txt`), content)
  manifest[`${name}.txt`] = {argv: portableArgv(r.argv), exitCode: r.exitCode, stream: 'file', file: portableArgv([path])[0] ?? path}
}

// drop the namespace wrapper and the per-run temp directory, which differ on every run
function portableArgv(argv: string[]): string[] {
  let a = argv[0] === 'ip' && argv[1] === 'netns' && argv[2] === 'exec' ? argv.slice(4) : [...argv]
  const n = a.indexOf('-n')
  if (a[0] === 'ip' && n !== -1) a = [...a.slice(0, n), ...a.slice(n + 2)]
  return a.map((x) => x.replace(/\/tmp\/mdgp-[A-Za-z0-9]+/g, '$TMP').replace(new RegExp(dirname(SAMPLES), 'g'), 'test/parsers/guest'))
}

function saveAll(c: Captures): void {
  for (const [name, r] of Object.entries(c)) save(name, r, name.startsWith('probe-failure--') || name.startsWith('wget-response--') ? 'stderr' : undefined)
}

async function main(): Promise<void> {
  const why = cannotRun(TOOLS)
  if (why) throw new Error(`cannot capture samples: ${why}`)
  const steps: [string, (lab: Lab) => Promise<void>][] = [
    ['routes', async (lab) => saveAll(await routesAndNeighbours(lab))],
    ['probes', async (lab) => saveAll(await httpProbes(lab))],
    ['routing-failures', async (lab) => saveAll(await probeFailuresRouting(lab))],
    ['blkid', async (lab) => saveAll(await blkidConfigDrive(lab))],
    ['env', async () => saveAll(await proxyEnvironment())],
  ]
  for (const variant of ['declared', 'unknown'] as const) {
    steps.push([`dhclient-${variant}`, async (lab) => {
      const r = await dhclientLease(lab, variant)
      if (r.lease === '') throw new Error(`dhclient wrote no lease: ${r.dhclient.stderr}\n${r.dnsmasqLog}`)
      saveFile(`dhclient-lease--dnsmasq-${variant === 'declared' ? 'rfc3442' : 'unknown-121'}`, r.dhclient, join(lab.dir, `dhclient-${variant}.leases`), r.lease)
    }])
  }
  steps.push(['networkd', async (lab) => {
    const r = await networkdLease(lab)
    if (r.lease === '') throw new Error(`systemd-networkd wrote no lease: ${r.log.slice(-2000)}`)
    saveFile('networkd-lease--systemd252-env', {argv: ['/lib/systemd/systemd-networkd'], exitCode: 0, stdout: '', stderr: ''}, '/run/systemd/netif/leases/<ifindex>', r.lease)
    save('ip-route-text--networkd-dhcp', {argv: ['ip', 'route'], exitCode: 0, stdout: r.ipRoute, stderr: ''}, 'stdout')
    save('ip-route-json--networkd-dhcp', {argv: ['ip', '-json', 'route'], exitCode: 0, stdout: r.ipRouteJson, stderr: ''}, 'stdout')
  }])
  for (const mode of ['unreachable', 'no-route', 'ok'] as const) {
    steps.push([`cloud-init-${mode}`, async (lab) => {
      const r = await cloudInitLog(lab, mode)
      if (r.log === '') throw new Error(`cloud-init driver wrote no log: ${r.driver.stderr}`)
      saveFile(`cloud-init-log--22.4-${mode}`, r.driver, join(lab.dir, `cloud-init-${mode}.log`), r.log)
    }])
  }
  for (const [name, step] of steps) {
    const lab = new Lab(name.slice(0, 2))
    try {
      process.stderr.write(`capturing ${name}…\n`)
      await step(lab)
    } finally {
      await lab.cleanup()
    }
  }
  const sorted = Object.fromEntries(Object.entries(manifest).sort(([a], [b]) => a.localeCompare(b)))
  const path = join(SAMPLES, 'captures.json')
  const {existsSync, readFileSync} = await import('node:fs')
  const old = existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as Record<string, Entry>) : {}
  writeFileSync(path, JSON.stringify({...old, ...sorted}, null, 2) + '\n')
  process.stderr.write(`wrote ${Object.keys(manifest).length} samples to ${SAMPLES}\n`)
}

await main()
