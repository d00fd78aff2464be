/**
 * npm run bench:scan -- --namespaces N
 *
 * Builds N qrouter-like namespaces (neutron's metadata iptables rules, a listener on 9697, a qr-
 * veth with an address), then times, in the same run:
 *   - `mdctl doctor --json --passive` over all of them (built CLI, one process tree per namespace);
 *   - the naive loop: `ip netns exec NS iptables-save`, `ip netns exec NS ss -lntp`, `ip -n NS addr`
 *     for each namespace, sequentially.
 * Prints both, and the ratio, then removes everything it made (also on Ctrl-C).
 */
import {spawn, spawnSync} from 'node:child_process'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

const arg = (name: string, dflt: number): number => {
  const i = process.argv.indexOf(`--${name}`)
  return i > 0 ? Number(process.argv[i + 1]) : dflt
}
const N = arg('namespaces', 1000)
const PREFIX = 'qrouter-bec4'
const repo = new URL('..', import.meta.url).pathname
const names = Array.from({length: N}, (_, i) => `${PREFIX}${String(i).padStart(4, '0')}-0000-4000-8000-${String(i).padStart(12, '0')}`)

if (process.getuid?.() !== 0) {
  console.error('bench:scan needs root (it creates network namespaces)')
  process.exit(2)
}

const RULES = `*mangle
:PREROUTING ACCEPT [0:0]
:neutron-l3-agent-PREROUTING - [0:0]
-A PREROUTING -j neutron-l3-agent-PREROUTING
-A neutron-l3-agent-PREROUTING -d 169.254.169.254/32 -i qr-+ -p tcp -m tcp --dport 80 -j MARK --set-xmark 0x1/0xffff
COMMIT
*nat
:PREROUTING ACCEPT [0:0]
:neutron-l3-agent-PREROUTING - [0:0]
-A PREROUTING -j neutron-l3-agent-PREROUTING
-A neutron-l3-agent-PREROUTING -d 169.254.169.254/32 -i qr-+ -p tcp -m tcp --dport 80 -j REDIRECT --to-ports 9697
COMMIT
*filter
:INPUT ACCEPT [0:0]
:neutron-l3-agent-INPUT - [0:0]
-A INPUT -j neutron-l3-agent-INPUT
-A neutron-l3-agent-INPUT -m mark --mark 0x1/0xffff -j ACCEPT
-A neutron-l3-agent-INPUT -p tcp -m tcp --dport 9697 -j DROP
COMMIT
`

function sh(script: string): void {
  const r = spawnSync('bash', ['-c', script], {stdio: ['ignore', 'ignore', 'inherit']})
  if (r.status !== 0) throw new Error(`setup step failed (${r.status}): ${script.slice(0, 120)}`)
}

const work = mkdtempSync(join(tmpdir(), 'mdctl-bench-'))
let holder: ReturnType<typeof spawn> | undefined

function cleanup(): void {
  holder?.kill('SIGTERM')
  const batch = names.map((n) => `netns delete ${n}`).join('\n')
  spawnSync('ip', ['-force', '-batch', '-'], {input: batch, stdio: ['pipe', 'ignore', 'ignore']})
  rmSync(work, {force: true, recursive: true})
}
process.on('SIGINT', () => {
  cleanup()
  process.exit(130)
})

function time(cmd: string, args: string[]): {ms: number; status: number | null; stdout: string} {
  const t = performance.now()
  const r = spawnSync(cmd, args, {encoding: 'utf8', maxBuffer: 512 * 1024 * 1024, stdio: ['ignore', 'pipe', 'ignore']})
  return {ms: performance.now() - t, status: r.status, stdout: r.stdout}
}

try {
  const t0 = performance.now()
  process.stderr.write(`creating ${N} namespaces…\n`)
  writeFileSync(join(work, 'add.batch'), names.map((n) => `netns add ${n}`).join('\n') + '\n')
  sh(`ip -batch ${work}/add.batch`)
  writeFileSync(join(work, 'rules'), RULES)
  writeFileSync(join(work, 'names'), names.join('\n') + '\n')
  // links, addresses and rules: a few processes per namespace, 4 at a time
  sh(
    `xargs -P 4 -I{} sh -c 'ip -n {} link set lo up && ip -n {} link add qr-b0 type veth peer name qr-b1 && ip -n {} addr add 10.250.0.1/24 dev qr-b0 && ip -n {} link set qr-b0 up && nsenter --net=/run/netns/{} iptables-restore < ${work}/rules' < ${work}/names`,
  )
  holder = spawn('python3', [join(repo, 'scripts/ns-listeners.py'), '9697'], {stdio: ['pipe', 'pipe', 'inherit']})
  const ready = new Promise<void>((resolve, reject) => {
    holder!.stdout!.on('data', (d: Buffer) => (String(d).startsWith('ready') ? resolve() : undefined))
    holder!.on('exit', (c) => reject(new Error(`listener helper exited ${c}`)))
  })
  holder.stdin!.write(names.map((n) => `/run/netns/${n}`).join('\n') + '\n\n')
  await ready
  process.stderr.write(`setup took ${((performance.now() - t0) / 1000).toFixed(1)} s\n`)

  const state = join(work, 'state')
  const mdctl = [join(repo, 'bin/run.js'), 'doctor', '--json', '--passive', '--neutron-config-dir', join(work, 'etc'), '--nova-config', join(work, 'nova.conf'), '--state-path', state]
  time('node', mdctl) // warm the page cache once
  const runs = [1, 2, 3].map(() => time('node', mdctl))
  const best = runs.reduce((a, b) => (a.ms < b.ms ? a : b))
  const doc = JSON.parse(best.stdout) as {findings: Array<{code: string; subject: string}>}
  const scanned = new Set(doc.findings.filter((f) => f.code === 'REDIRECT_PRESENT' && f.subject.startsWith(PREFIX)).map((f) => f.subject)).size

  const loop = `while read ns; do ip netns exec "$ns" iptables-save >/dev/null 2>&1; ip netns exec "$ns" ss -lntp >/dev/null 2>&1; ip -n "$ns" addr >/dev/null 2>&1; done < ${work}/names`
  const naive = time('bash', ['-c', loop])

  const ratio = naive.ms / best.ms
  console.log(`namespaces:           ${N}`)
  console.log(`mdctl doctor --json:  ${(best.ms / 1000).toFixed(2)} s best of 3 (${runs.map((r) => (r.ms / 1000).toFixed(2)).join(', ')}), ${scanned} router(s) judged`)
  console.log(`naive sequential loop: ${(naive.ms / 1000).toFixed(2)} s (ip netns exec iptables-save + ss -lntp, ip -n addr)`)
  console.log(`speed-up:             ${ratio.toFixed(1)}x`)
  if (scanned !== N) console.log(`WARNING: doctor judged ${scanned} of ${N} namespaces`)
} finally {
  cleanup()
}
