#!/usr/bin/env python3
"""Render, with the installed neutron's own code, what its agents write for one router or
network: the haproxy config (neutron.agent.metadata.driver.HaproxyConfigurator) and the qrouter
iptables ruleset of a router that was just added with one internal port (RouterInfo's
address-scope and metadata initialisation, process_ports_address_scope_iptables, and the
metadata driver's metadata_filter_rules / metadata_nat_rules, applied by IptablesManager to the
empty tables of a new namespace). Nothing is executed and nothing outside a temp dir is written.

usage: neutron-render.py JSON   (keys: router, network, routerPort, socket, user, group,
       routerPidfile, networkPidfile, routerBind, routerPort9697, networkBind, bindV6, tap)
prints JSON: {"version", "haproxy": {"router", "network"}, "iptables": {table: [lines]}}
"""
import json
import sys
import tempfile

from oslo_config import cfg
from oslo_log import log as logging

logging.register_options(cfg.CONF)
cfg.CONF([], project='neutron')

from neutron_lib import constants as lib_constants  # noqa: E402
from neutron.agent.l3 import router_info  # noqa: E402
from neutron.agent.linux import interface  # noqa: E402
from neutron.agent.linux import iptables_manager  # noqa: E402
from neutron.agent.metadata import driver  # noqa: E402
import neutron.version  # noqa: E402

a = json.loads(sys.argv[1])


def haproxy(network_id, router_id, host, port, pidfile, host_v6=None, bind_interface=None):
    state = tempfile.mkdtemp(prefix='neutron-render-')
    h = driver.HaproxyConfigurator(network_id, router_id, a['socket'], host, port, a['user'], a['group'], state,
                                   pidfile, host_v6, bind_interface)
    h.create_config_file()
    with open(h.cfg_path) as f:
        return f.read()


class Conf(object):
    metadata_access_mark = '0x1'


class Router(router_info.RouterInfo):
    """RouterInfo as __init__ leaves it, without the agent, namespace and driver it needs live."""

    def __init__(self):  # pylint: disable=super-init-not-called
        self.agent_conf = Conf()
        # device names: the interface driver's DEV_NAME_LEN (qr- + port id, cut to 14)
        self.driver = interface.LinuxInterfaceDriver
        self._router = {'id': a['router'], lib_constants.INTERFACE_KEY: [
            {'id': a['routerPort'], 'fixed_ips': [{'ip_address': a['gatewayIp'], 'prefixlen': a['prefixlen']}]}]}
        self._snat_enabled = True
        self.pd_subnets = {}
        self.available_mark_ids = set(range(router_info.ADDRESS_SCOPE_MARK_ID_MIN, router_info.ADDRESS_SCOPE_MARK_ID_MAX))
        self._address_scope_to_mark_id = {router_info.DEFAULT_ADDRESS_SCOPE: self.available_mark_ids.pop()}
        self.iptables_manager = iptables_manager.IptablesManager(use_ipv6=False, namespace='qrouter-' + a['router'],
                                                                 binary_name='neutron-l3-agent')
        self.initialize_address_scope_iptables()
        self.initialize_metadata_iptables()

    @property
    def router(self):
        return self._router

    def get_ex_gw_port(self):
        return None


r = Router()
# l3 agent: after_router_added -> apply_metadata_nat_rules (IPv4 part)
for c, rule in driver.MetadataDriver.metadata_filter_rules(a['routerPort9697'], Conf.metadata_access_mark):
    r.iptables_manager.ipv4['filter'].add_rule(c, rule)
for c, rule in driver.MetadataDriver.metadata_nat_rules(a['routerPort9697']):
    r.iptables_manager.ipv4['nat'].add_rule(c, rule)
# RouterInfo.process -> process_address_scope for the internal port
r.process_ports_address_scope_iptables()

BUILTIN = {'filter': ['INPUT', 'FORWARD', 'OUTPUT'], 'mangle': ['PREROUTING', 'INPUT', 'FORWARD', 'OUTPUT', 'POSTROUTING'],
           'nat': ['PREROUTING', 'INPUT', 'OUTPUT', 'POSTROUTING']}
tables = {}
for t, chains in BUILTIN.items():
    empty = ['*' + t] + [':%s ACCEPT [0:0]' % c for c in chains] + ['COMMIT']
    tables[t] = r.iptables_manager._modify_rules(empty, r.iptables_manager.ipv4[t], t)

print(json.dumps({
    'version': neutron.version.version_info.release_string(),
    'haproxy': {
        'router': haproxy(None, a['router'], a['routerBind'], a['routerPort9697'], a['routerPidfile']),
        'network': haproxy(a['network'], None, lib_constants.METADATA_V4_IP, lib_constants.METADATA_PORT, a['networkPidfile'],
                           lib_constants.METADATA_V6_IP if a.get('tap') else None, a.get('tap')),
    },
    'iptables': tables,
}))
