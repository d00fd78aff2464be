#!/usr/bin/env node
// Benchmark of the reference metadata stack on loopback (needs `npm run build` first, and
// Debian's haproxy for the comparison run).
//
//   node scripts/bench-reference.mjs [--duration 10] [--warmup 3] [--connections 50] [--rounds 3]
//        [--guests 1000] [--storm-concurrency 200] [--path /latest/meta-data/local-ipv4]
//        [--log access|warning|off] [--no-threads] [--no-haproxy] [--no-storm] [--json] [--src]
//   BENCH_NODE_ARGS="--cpu-prof --cpu-prof-dir=DIR" profiles the stack process.
//
// 1. chain: autocannon -> `mdctl reference up` (proxy -> unix socket -> agent -> api), the way
//    tempest curls /latest/meta-data/local-ipv4;
// 2. the same agent and api behind Debian's haproxy configured as neutron renders it
//    (option http-server-close: a new unix connection per request);
// 3. boot storm: N guests, each with its own source address (127.10.x.y) and inventory entry,
//    each fetching what cloud-init fetches, one new connection per request as cloud-init does;
//    every answer is checked against the guest's own instance.
// Rounds alternate ours/haproxy; medians are reported. Peak RSS is the stack process's VmHWM.
import {spawn, spawnSync} from 'node:child_process'
import {randomUUID} from 'node:crypto'
import {closeSync, existsSync, openSync} from 'node:fs'
import {mkdtemp, readFile, rm, stat, writeFile} from 'node:fs/promises'
import http from 'node:http'
import net from 'node:net'
import {tmpdir} from 'node:os'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {parseArgs} from 'node:util'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const {values: opt} = parseArgs({
  options: {
    connections: {default: '50', type: 'string'},
    duration: {default: '10', type: 'string'},
    guests: {default: '1000', type: 'string'},
    json: {default: false, type: 'boolean'},
    log: {default: 'access', type: 'string'},
    'no-haproxy': {type: 'boolean'},
    'no-storm': {type: 'boolean'},
    'no-threads': {type: 'boolean'},
    path: {default: '/latest/meta-data/local-ipv4', type: 'string'},
    rounds: {default: '3', type: 'string'},
    src: {default: false, type: 'boolean'},
    'storm-concurrency': {default: '200', type: 'string'},
    warmup: {default: '3', type: 'string'},
  },
})
const num = (k) => {
  const n = Number(opt[k])
  if (!Number.isFinite(n) || n < 0) fail(`--${k}: not a number`)
  return n
}
const DURATION = num('duration')
const WARMUP = num('warmup')
const CONNECTIONS = num('connections')
const ROUNDS = Math.max(1, num('rounds'))
const GUESTS = num('guests')
const STORM_CONCURRENCY = Math.max(1, num('storm-concurrency'))
const WITH_HAPROXY = !opt['no-haproxy']
const WITH_STORM = !opt['no-storm'] && GUESTS > 0
const THREADS = !opt['no-threads']

function fail(msg) {
  process.stderr.write(`bench-reference: ${msg}\n`)
  process.exit(2)
}
const say = (s) => {
  if (!opt.json) process.stderr.write(`${s}\n`)
}

// Built code by default (bin/run.js + dist/); --src runs the TypeScript sources through tsx instead.
const dist = join(root, 'dist', 'reference', 'index.js')
let renderNeutronHaproxyConfig
let cli
if (opt.src) {
  const {register} = await import('tsx/esm/api')
  register()
  ;({renderNeutronHaproxyConfig} = await import(join(root, 'src', 'lib', 'neutron-haproxy-template.ts')))
  cli = join(root, 'bin', 'dev.js')
} else {
  if (!existsSync(dist)) fail('dist/ is missing: run `npm run build` first (or use --src)')
  ;({renderNeutronHaproxyConfig} = await import(dist))
  cli = join(root, 'bin', 'run.js')
}
const {default: autocannon} = await import('autocannon')
const haproxyBin = spawnSync('haproxy', ['-v']).status === 0 ? 'haproxy' : null
if (WITH_HAPROXY && !haproxyBin) say('haproxy not found: skipping the haproxy comparison (apt-get install haproxy)')

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const {port} = s.address()
      s.close(() => resolve(port))
    })
  })
}

const ROUTER = randomUUID()
const NETWORK = randomUUID()
const PROJECT = randomUUID().replaceAll('-', '')
const guestIp = (i) => `127.10.${Math.floor(i / 250)}.${(i % 250) + 1}`
const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBenchmarkKeyBenchmarkKeyBenchmarkKey00 bench'

function inventory() {
  const instances = [
    {fixed_ips: ['127.0.0.1'], hostname: 'bench-client', name: 'bench-client', network_id: NETWORK, project_id: PROJECT, router_id: ROUTER, uuid: randomUUID()},
  ]
  for (let i = 0; i < GUESTS; i++) {
    instances.push({
      fixed_ips: [guestIp(i)],
      hostname: `guest-${i}`,
      meta: {index: String(i)},
      name: `guest-${i}`,
      network_id: NETWORK,
      project_id: PROJECT,
      public_keys: {bench: KEY},
      router_id: ROUTER,
      user_data: `#cloud-config\nhostname: guest-${i}\n`,
      uuid: randomUUID(),
    })
  }
  return instances
}

function procStatus(pid) {
  return readFile(`/proc/${pid}/status`, 'utf8').then(
    (t) => ({hwm: Number(/VmHWM:\s+(\d+)/.exec(t)?.[1] ?? 0) / 1024, rss: Number(/VmRSS:\s+(\d+)/.exec(t)?.[1] ?? 0) / 1024}),
    () => ({hwm: 0, rss: 0}),
  )
}

/** CPU seconds (user + system) a process has used: /proc/PID/stat utime + stime, in USER_HZ (100). */
async function cpuSeconds(pid) {
  try {
    const f = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1].split(' ')
    return (Number(f[11]) + Number(f[12])) / 100
  } catch {
    return 0
  }
}

const loadavg = async () => Number((await readFile('/proc/loadavg', 'utf8')).split(' ')[0])

function sampleRss(pids) {
  const peak = Object.fromEntries(pids.map((p) => [p, 0]))
  const timer = setInterval(async () => {
    for (const p of pids) peak[p] = Math.max(peak[p], (await procStatus(p)).rss)
  }, 200)
  return () => {
    clearInterval(timer)
    return peak
  }
}

function get(url, localAddress, agent = false) {
  return new Promise((resolve) => {
    const start = performance.now()
    const req = http.get(url, {agent, localAddress, timeout: 30_000}, (res) => {
      const chunks = []
      res.on('data', (c) => chunks.push(c))
      res.on('end', () => resolve({body: Buffer.concat(chunks).toString(), ms: performance.now() - start, status: res.statusCode}))
      res.on('error', (e) => resolve({error: e.code ?? e.message, ms: performance.now() - start, status: 0}))
    })
    req.on('timeout', () => req.destroy(new Error('timeout')))
    req.on('error', (e) => resolve({error: e.code ?? e.message, ms: performance.now() - start, status: 0}))
  })
}

async function waitFor(url, ms = 20_000) {
  const until = Date.now() + ms
  while (Date.now() < until) {
    const r = await get(url)
    if (r.status === 200) return
    await new Promise((r2) => setTimeout(r2, 100))
  }
  throw new Error(`${url} did not answer 200 within ${ms} ms`)
}

function runAutocannon(url, duration) {
  return new Promise((resolve, reject) => {
    autocannon({connections: CONNECTIONS, duration, url}, (err, r) => (err ? reject(err) : resolve(r)))
  })
}

async function loadRun(label, url, pids) {
  if (WARMUP > 0) await runAutocannon(url, WARMUP)
  const load = await loadavg()
  const cpu0 = (await Promise.all(pids.map(cpuSeconds))).reduce((a, b) => a + b, 0)
  const r = await runAutocannon(url, DURATION)
  const cpu1 = (await Promise.all(pids.map(cpuSeconds))).reduce((a, b) => a + b, 0)
  const row = {
    // CPU the servers spent per answered request: steadier than req/s on a shared machine
    cpuUsPerRequest: r.requests.total ? Math.round(((cpu1 - cpu0) * 1e6) / r.requests.total) : null,
    loadBefore: load,
    errors: r.errors + r.timeouts,
    label,
    non2xx: r.non2xx,
    p50: r.latency.p50,
    p99: r.latency.p99,
    rps: Math.round(r.requests.average),
    total: r.requests.total,
  }
  say(`  ${label.padEnd(8)} ${String(row.rps).padStart(6)} req/s  p50 ${row.p50} ms  p99 ${row.p99} ms  non-2xx ${row.non2xx}  errors ${row.errors}  server CPU ${row.cpuUsPerRequest} µs/req  (load ${load})`)
  return row
}

/** Count lines and look for the secret without holding the (large) log in memory. */
async function scanLog(file, secret) {
  const {createReadStream} = await import('node:fs')
  const needle = Buffer.from(secret)
  let lines = 0
  let carry = Buffer.alloc(0)
  let secretFound = false
  for await (const chunk of createReadStream(file)) {
    for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines++
    const window = Buffer.concat([carry, chunk])
    if (window.includes(needle)) secretFound = true
    carry = window.subarray(Math.max(0, window.length - needle.length + 1))
  }
  return {lines, secretFound}
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2
}

// What cloud-init (OpenStack datasource, then its EC2 metadata walk) asks for.
async function bootGuest(base, i, expected, stats) {
  const local = guestIp(i)
  const fetch = async (path) => {
    const r = await get(base + path, local)
    stats.requests++
    stats.latencies.push(r.ms)
    if (r.status !== 200) {
      stats.errors++
      if (stats.samples.length < 5) stats.samples.push(`guest ${i} ${path}: ${r.status || r.error}`)
    }
    return r
  }
  const check = (ok, what) => {
    if (!ok) {
      stats.mismatches++
      if (stats.samples.length < 5) stats.samples.push(`guest ${i}: wrong ${what}`)
    }
  }
  const versions = (await fetch('/openstack')).body.split('\n')
  const ver = versions.includes('2018-08-27') ? '2018-08-27' : 'latest'
  const md = await fetch(`/openstack/${ver}/meta_data.json`)
  try {
    const j = JSON.parse(md.body)
    check(j.uuid === expected.uuid && j.hostname === `guest-${i}.novalocal`, 'meta_data.json')
  } catch {
    check(false, 'meta_data.json (not JSON)')
  }
  const ud = await fetch(`/openstack/${ver}/user_data`)
  check(ud.body === `#cloud-config\nhostname: guest-${i}\n`, 'user_data')
  for (const f of ['vendor_data.json', 'vendor_data2.json', 'network_data.json']) await fetch(`/openstack/${ver}/${f}`)
  // ec2 walk, as cloud-init's MetadataMaterializer does it
  const walk = async (path) => {
    const listing = (await fetch(path)).body
    for (const line of listing.split('\n').filter(Boolean)) {
      if (line.endsWith('/')) await walk(path + line)
      else if (/^\d+=/.test(line)) await walk(`${path}${line.split('=')[0]}/`)
      else {
        const leaf = await fetch(path + line)
        if (line === 'local-ipv4') check(leaf.body === local, 'local-ipv4')
        if (line === 'openssh-key') check(leaf.body === KEY, 'openssh-key')
      }
    }
  }
  await walk('/latest/meta-data/')
  await fetch('/latest/user-data')
}

async function storm(label, base, instances, pid) {
  const stats = {errors: 0, latencies: [], mismatches: 0, requests: 0, samples: []}
  const stop = sampleRss([pid])
  const start = performance.now()
  let next = 0
  const worker = async () => {
    while (next < GUESTS) {
      const i = next++
      await bootGuest(base, i, instances[i + 1], stats)
    }
  }
  await Promise.all(Array.from({length: Math.min(STORM_CONCURRENCY, GUESTS)}, worker))
  const seconds = (performance.now() - start) / 1000
  const peak = stop()
  const lat = stats.latencies.sort((a, b) => a - b)
  const row = {
    errors: stats.errors,
    guests: GUESTS,
    label,
    mismatches: stats.mismatches,
    p50: Math.round(lat[Math.floor(lat.length * 0.5)] * 10) / 10,
    p99: Math.round(lat[Math.floor(lat.length * 0.99)] * 10) / 10,
    peakRssMb: Math.round(peak[pid]),
    requests: stats.requests,
    rps: Math.round(stats.requests / seconds),
    samples: stats.samples,
    seconds: Math.round(seconds * 100) / 100,
  }
  say(
    `  ${label.padEnd(8)} ${GUESTS} guests, ${row.requests} requests in ${row.seconds} s (${row.rps} req/s), p50 ${row.p50} ms, p99 ${row.p99} ms, errors ${row.errors}, wrong answers ${row.mismatches}, stack RSS peak ${row.peakRssMb} MB`,
  )
  for (const s of stats.samples) say(`    ${s}`)
  return row
}

const dir = await mkdtemp(join(tmpdir(), 'mdctl-bench-ref-'))
const children = []
function start(cmd, args, logFile) {
  // the log goes straight to a file, as a service's would: no pumping through this process
  const fd = logFile ? openSync(logFile, 'a') : 'ignore'
  const child = spawn(cmd, args, {stdio: ['ignore', 'ignore', fd]})
  if (typeof fd === 'number') closeSync(fd)
  children.push(child)
  return child
}
async function cleanup() {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGTERM')
  await Promise.all(children.map((c) => (c.exitCode === null && c.signalCode === null ? new Promise((r) => c.once('exit', r)) : null)))
}
process.once('SIGINT', async () => {
  await cleanup()
  await rm(dir, {force: true, recursive: true})
  process.exit(130)
})

const result = {config: {connections: CONNECTIONS, duration: DURATION, guests: GUESTS, path: opt.path, rounds: ROUNDS, threads: THREADS}}
try {
  const [proxyPort, apiPort, haproxyPort] = [await freePort(), await freePort(), await freePort()]
  const socket = join(dir, 'metadata_proxy')
  const secret = randomUUID()
  const instances = inventory()
  const cfgFile = join(dir, 'reference.json')
  await writeFile(
    cfgFile,
    JSON.stringify({
      agent: {nova_metadata_port: apiPort, socket},
      api: {listen: `127.0.0.1:${apiPort}`},
      instances,
      proxy: {listen: `127.0.0.1:${proxyPort}`, router_id: ROUTER},
      secret,
    }),
  )
  const logFile = join(dir, 'stack.log')
  // BENCH_NODE_ARGS: extra node flags for the stack process, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof"
  const nodeArgs = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean)
  const stack = start(process.execPath, [...nodeArgs, cli, 'reference', 'up', '--config', cfgFile, '--log', opt.log, ...(THREADS ? [] : ['--no-threads'])], logFile)
  const ours = `http://127.0.0.1:${proxyPort}`
  await waitFor(`${ours}/`)
  let theirs = null
  let haproxy = null
  if (WITH_HAPROXY && haproxyBin) {
    const hcfg = join(dir, 'haproxy.cfg')
    await writeFile(hcfg, renderNeutronHaproxyConfig({bind: `127.0.0.1:${haproxyPort}`, daemon: false, id: ROUTER, kind: 'router', pidfile: join(dir, 'haproxy.pid'), socketPath: socket}))
    haproxy = start(haproxyBin, ['-f', hcfg])
    theirs = `http://127.0.0.1:${haproxyPort}`
    await waitFor(`${theirs}/`)
  }
  result.rssIdleMb = Math.round((await procStatus(stack.pid)).rss)
  say(`chain: ${CONNECTIONS} connections, ${DURATION} s per run after ${WARMUP} s warm-up, GET ${opt.path}, ${ROUNDS} round(s)`)
  const rssStop = sampleRss([stack.pid])
  const runs = {haproxy: [], ours: []}
  for (let r = 0; r < ROUNDS; r++) {
    runs.ours.push(await loadRun('ours', ours + opt.path, [stack.pid]))
    if (theirs) runs.haproxy.push(await loadRun('haproxy', theirs + opt.path, [stack.pid, haproxy.pid]))
  }
  const loadPeak = rssStop()
  const summarise = (rows) =>
    rows.length === 0
      ? null
      : {
          cpuUsPerRequest: median(rows.map((r) => r.cpuUsPerRequest)),
          errors: rows.reduce((a, r) => a + r.errors + r.non2xx, 0),
          p50: median(rows.map((r) => r.p50)),
          p99: median(rows.map((r) => r.p99)),
          rps: median(rows.map((r) => r.rps)),
          runs: rows,
        }
  result.chain = summarise(runs.ours)
  result.haproxyChain = summarise(runs.haproxy)
  result.chain.peakRssMb = Math.round(loadPeak[stack.pid])
  if (WITH_STORM) {
    say(`boot storm: ${GUESTS} guests, ${STORM_CONCURRENCY} booting at a time`)
    result.storm = await storm('ours', ours, instances, stack.pid)
    if (theirs) result.haproxyStorm = await storm('haproxy', theirs, instances, stack.pid)
  }
  const st = await procStatus(stack.pid)
  result.stackPeakRssMb = Math.round(st.hwm)
  result.rssEndMb = Math.round(st.rss)
  await cleanup()
  result.log = {bytes: (await stat(logFile)).size, ...(await scanLog(logFile, secret))}
  say('')
  say(`chain (median of ${ROUNDS}): ours    ${result.chain.rps} req/s p50 ${result.chain.p50} ms p99 ${result.chain.p99} ms, ${result.chain.cpuUsPerRequest} µs CPU/req`)
  if (result.haproxyChain) {
    say(`                    haproxy ${result.haproxyChain.rps} req/s p50 ${result.haproxyChain.p50} ms p99 ${result.haproxyChain.p99} ms, ${result.haproxyChain.cpuUsPerRequest} µs CPU/req`)
    result.ratio = Math.round((result.chain.rps / result.haproxyChain.rps) * 100) / 100
    say(`ratio ours/haproxy: ${result.ratio}`)
  }
  say(`stack RSS: ${result.rssIdleMb} MB idle after start, ${result.stackPeakRssMb} MB peak (VmHWM), ${result.rssEndMb} MB at the end; access log ${result.log.lines} lines, secret in log: ${result.log.secretFound ? 'YES' : 'no'}`)
  if (opt.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`)
} catch (error) {
  process.stderr.write(`bench-reference: ${error.message}\n`)
  process.exitCode = 1
} finally {
  await cleanup()
  await rm(dir, {force: true, recursive: true})
}
