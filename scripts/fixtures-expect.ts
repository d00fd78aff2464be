/**
 * npm run fixtures:expect [-- NAME…]: rewrite fixtures/<bundle>/expected.json from what the
 * current build replays. Review the diff: it is the behaviour change you are about to pin.
 */
import {execFileSync} from 'node:child_process'
import {existsSync, readdirSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {goldenOf} from '../test/replay/golden.js'
import type {Report} from '../src/report/types.js'

const root = new URL('..', import.meta.url).pathname
const fixtures = join(root, 'fixtures')
const only = process.argv.slice(2)
for (const b of readdirSync(fixtures)) {
  const dir = join(fixtures, b)
  if (!existsSync(join(dir, 'manifest.json')) || (only.length && !only.includes(b))) continue
  const kind = (JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as {kind: string}).kind
  let out: string
  try {
    out = execFileSync('node', [join(root, 'bin/run.js'), kind === 'guest' ? 'guest' : 'doctor', '--from', dir, '--json'], {encoding: 'utf8'})
  } catch (error) {
    out = String((error as {stdout?: string}).stdout ?? '')
  }
  const golden = goldenOf(JSON.parse(out) as Report)
  writeFileSync(join(dir, 'expected.json'), `${JSON.stringify(golden, null, 2)}\n`)
  console.log(`${b}: ${golden.verdict.status}${golden.verdict.firstFailingHop ? ` at ${golden.verdict.firstFailingHop}` : ''}`)
}
