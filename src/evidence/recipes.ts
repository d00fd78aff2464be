/**
 * The evidence registry as data, for collectors that are not this program (the python collector
 * the fleet playbook runs on each host). Generated from `EVIDENCE` on every run, never kept by
 * hand: the registry stays the one list of what is collected, where it sits in a bundle, and
 * what is redacted.
 *
 * Path and argv templates carry `{neutron_config_dir}`, `{nova_config}`, `{state_path}`,
 * `{socket_path}` and `{param}` where the registry's functions take them.
 */
import {PROBE_IP} from '../engine/collect-node.js'
import {FP_HEX_LENGTH, FP_PREFIX, INI_LINE, SECRET_KEYS, SENSITIVE_KEY_SOURCE, URL_CREDENTIALS} from '../sources/redact.js'
import {INTERESTING, netnsKeysFor} from '../sources/live-node.js'
import {USER_AGENT, VERSION} from '../version.js'
import {LAYOUT_ORDER, LAYOUTS} from './layouts.js'
import {bundleFile, EVIDENCE, PARAM_FILE, type Paths} from './registry.js'

export const RECIPES_FORMAT = 1

const TEMPLATE: Paths = {neutronConfigDir: '{neutron_config_dir}', novaConfig: '{nova_config}', socketPath: '{socket_path}', statePath: '{state_path}'}
const PARAM = '{param}'

export interface Recipe {
  key: string
  kind: 'file' | 'command' | 'internal'
  scope: string
  title: string
  redact?: 'ini'
  path?: string
  argv?: string[]
  /** bundle file of the unparameterised item */
  bundleFile: string
}

export interface Recipes {
  format: typeof RECIPES_FORMAT
  tool: {name: 'mdctl'; version: string}
  userAgent: string
  recipes: Recipe[]
  /** what the bundle keeps of `node.ps` and scans in /proc: processes on the metadata path */
  processFilter: string
  /** netns keys per namespace kind (`qrouter`, `qdhcp`, `ovnmeta`) */
  netnsKeys: Record<string, string[]>
  /** option names whose values become salted fingerprints; other keys matching `sensitiveKey` become `<redacted>` */
  secretKeys: string[]
  /** `<prefix><first hexLength hex digits of HMAC-SHA256(key=salt, secret)>>` */
  fingerprint: {prefix: string; hexLength: number}
  sensitiveKey: string
  /** an oslo.config `key = value` line (multi-line mode): indent, key, separator, value */
  iniLine: string
  /** `scheme://user:PASSWORD@`: group 1 kept, group 2 becomes `<redacted>` */
  urlCredentials: string
  /** deployment layouts, most specific first: candidate paths of each config key (first existing wins) */
  layouts: Array<{name: string; configs: Record<string, string[]>}>
  /** the guest address an agent probe asks for when no --instance-ip is given (never a guest) */
  probeIp: string
  /** `items/<key>/<param>.txt` with the parameter made path-safe by these rules */
  paramFile: {unsafe: string; leadingDots: string; maxLength: number}
}

export function exportRecipes(): Recipes {
  const recipes = Object.entries(EVIDENCE)
    .filter(([, spec]) => spec.scope !== 'guest')
    .map(([key, spec]): Recipe => ({
      bundleFile: bundleFile(key),
      key,
      kind: spec.kind,
      scope: spec.scope,
      title: spec.title,
      ...('redact' in spec && spec.redact ? {redact: spec.redact} : {}),
      ...(spec.kind === 'file' ? {path: spec.path(TEMPLATE, PARAM)} : {argv: [...spec.argv(TEMPLATE, PARAM)]}),
    }))
  return {
    format: RECIPES_FORMAT,
    layouts: LAYOUT_ORDER.map((name) => ({configs: LAYOUTS[name].configs, name})),
    netnsKeys: Object.fromEntries(['qrouter', 'qdhcp', 'ovnmeta'].map((k) => [k, [...netnsKeysFor(`${k}-x`)]])),
    paramFile: {leadingDots: PARAM_FILE.leadingDots.source, maxLength: PARAM_FILE.maxLength, unsafe: PARAM_FILE.unsafe.source},
    probeIp: PROBE_IP,
    processFilter: INTERESTING.source,
    recipes,
    fingerprint: {hexLength: FP_HEX_LENGTH, prefix: FP_PREFIX},
    secretKeys: [...SECRET_KEYS],
    iniLine: INI_LINE.source,
    sensitiveKey: SENSITIVE_KEY_SOURCE,
    urlCredentials: URL_CREDENTIALS.source,
    tool: {name: 'mdctl', version: VERSION},
    userAgent: USER_AGENT,
  }
}
