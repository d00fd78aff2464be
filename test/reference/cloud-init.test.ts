// Debian's real cloud-init reads the reference stack: its OpenStack datasource helper
// (MetadataReader.read_v2) and its EC2 helpers, pointed at the proxy on loopback.
import {execFile, spawnSync} from 'node:child_process'
import {promisify} from 'node:util'
import {describe, expect, it} from 'vitest'

import {startStack} from '../../src/reference/index.js'
import {KEY, logCollector, NETWORK, tempDir, testConfig, USER_DATA, VM} from './helpers.js'

// Debian's cloud-init lives in the system Python, whatever python3 is first on PATH
const PYTHON = '/usr/bin/python3'
const hasCloudInit = spawnSync(PYTHON, ['-c', 'import cloudinit.sources.helpers.openstack, cloudinit.sources.helpers.ec2'], {stdio: 'ignore'}).status === 0
if (!hasCloudInit) console.warn('cloud-init.test: Debian cloud-init (python3 module cloudinit) is not installed: skipped (apt-get install cloud-init)')

// read_v2 also walks the EC2 tree; its default address is 169.254.169.254, so point it here
const READER = `
import json, sys
from cloudinit.sources.helpers import openstack, ec2
base = sys.argv[1]
reader = openstack.MetadataReader(base, timeout=5, retries=0)
reader._read_ec2_metadata = lambda: ec2.get_instance_metadata(metadata_address=base, timeout=5, retries=0)
r = reader.read_v2()
md = r["metadata"]
ud = r["userdata"]
print(json.dumps({
    "version": r["version"],
    "metadata": {k: v for k, v in md.items() if k != "random_seed"},
    "random_seed_len": len(md.get("random_seed", b"")),
    "userdata": ud.decode() if isinstance(ud, bytes) else ud,
    "vendordata": r.get("vendordata"),
    "networkdata": r.get("networkdata"),
    "ec2": r["ec2-metadata"],
    "ec2_userdata": ec2.get_instance_userdata(metadata_address=base, timeout=5, retries=0).decode(),
}))
`

interface Read {
  version: number
  metadata: Record<string, unknown>
  random_seed_len: number
  userdata: string
  vendordata: unknown
  networkdata: {links: unknown[]; networks: {network_id: string}[]; services: unknown[]}
  ec2: Record<string, unknown>
  ec2_userdata: string
}

describe.skipIf(!hasCloudInit)("cloud-init's datasource helpers", () => {
  it('read uuid, hostname, keys, user data, vendor and network data and the EC2 tree through the stack', async () => {
    const {dir, cleanup} = await tempDir()
    const log = logCollector()
    const stack = await startStack(await testConfig(dir), {log: log.sink})
    try {
      const {stdout} = await promisify(execFile)(PYTHON, ['-c', READER, `http://${stack.address}`], {timeout: 60_000})
      const r = JSON.parse(stdout) as Read
      expect(r.version).toBe(2)
      expect(r.metadata).toMatchObject({
        'availability_zone': 'az1',
        hostname: 'vm1.novalocal',
        'instance-id': VM.uuid,
        'local-hostname': 'vm1.novalocal',
        name: 'vm1',
        public_keys: {mykey: KEY},
        uuid: VM.uuid,
      })
      // read_v2 base64-decodes random_seed: nova sends 512 random bytes
      expect(r.random_seed_len).toBe(512)
      expect(r.userdata).toBe(USER_DATA)
      expect(r.vendordata).toEqual({})
      expect(r.networkdata.networks[0]?.network_id).toBe(NETWORK)
      expect(r.ec2).toMatchObject({hostname: 'vm1.novalocal', 'instance-id': 'i-00000001', 'local-ipv4': VM.ip, placement: {'availability-zone': 'az1'}, 'public-keys': {mykey: KEY}})
      expect(r.ec2_userdata).toBe(USER_DATA)
      // cloud-init 22.4 knows versions up to 2018-08-27 and picks the newest the server lists
      const paths = log.records().filter((l) => l.component === 'proxy' && l.event === 'request').map((l) => l.path)
      expect(paths).toContain('/openstack/2018-08-27/meta_data.json')
      expect(paths).toContain('/latest/meta-data/public-keys/0/openssh-key')
    } finally {
      await stack.close()
      await cleanup()
    }
  })
})
