/**
 * The neutron metadata agent as it really runs, recognised from its command line (`ps` args split
 * on blanks, or /proc/<pid>/cmdline). Real forms, from distribution packages, kolla and TripleO:
 * ```
 * /usr/bin/python3 /usr/bin/neutron-metadata-agent --config-file /etc/neutron/neutron.conf --config-file /etc/neutron/metadata_agent.ini
 * neutron-metadata-agent --config-file …                                   (the script run directly)
 * /var/lib/kolla/venv/bin/python3 /var/lib/kolla/venv/bin/neutron-metadata-agent --config-file …
 * /usr/bin/python3 /usr/bin/neutron-ovn-metadata-agent --config-file …     (ML2/OVN)
 * /usr/bin/python3 /usr/bin/neutron-ovn-agent --config-file …              (OVN agent, metadata extension)
 * neutron-metadata-agent: MetadataProxyHandler worker (/usr/bin/python3 /usr/bin/neutron-metadata-agent …)
 * ```
 * The last is a worker after neutron_lib's setproctitle ("<name>: <desc> (<parent title>)").
 * privsep-helper children are not the agent: they never listen on the socket.
 */
const AGENT_BINARIES = new Set(['neutron-metadata-agent', 'neutron-ovn-metadata-agent', 'neutron-ovn-agent'])
const PYTHON = /^python(\d+(\.\d+)?)?$/

const base = (a: string): string => a.slice(a.lastIndexOf('/') + 1)

/** Which agent binary this command line runs, or undefined when it is not the metadata agent. */
export function metadataAgentBinary(argv: readonly string[]): string | undefined {
  const [first, second] = argv
  if (first === undefined) return undefined
  // a setproctitle worker title: "neutron-metadata-agent:" then a description
  const head = base(first).replace(/:$/, '')
  if (AGENT_BINARIES.has(head)) return head
  if (PYTHON.test(base(first)) && second !== undefined) {
    const script = base(second)
    if (AGENT_BINARIES.has(script)) return script
  }
  return undefined
}

/** The kernel's comm: the first 15 bytes of the script name when python runs it through its #! line. */
export const isAgentComm = (comm: string): boolean => comm.length > 0 && [...AGENT_BINARIES].some((b) => b.startsWith(comm) && comm.length >= 15)
