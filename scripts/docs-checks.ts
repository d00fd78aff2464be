/** npm run docs:checks: rewrite the checks and finding-code tables in README.md from the code. */
import {readFileSync, writeFileSync} from 'node:fs'

import {withChecksTables} from './checks-table.js'

const path = new URL('../README.md', import.meta.url).pathname
const before = readFileSync(path, 'utf8')
const after = withChecksTables(before)
if (after === before) console.error('README.md: tables already up to date')
else {
  writeFileSync(path, after)
  console.error('README.md: tables rewritten')
}
