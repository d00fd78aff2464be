#!/usr/bin/env python3
"""Render neutron's own haproxy templates (from a neutron git checkout) into golden sample files.

usage: render-golden.py NEUTRON_GIT_DIR OUT_DIR
Reads the template strings straight from the source at HEAD (master) and at tags 11.0.0 (Pike),
12.0.0 (Queens), 17.0.0 (Victoria) and 23.0.0 (2023.2, rate limiting on), and fills them the way
neutron's HaproxyConfigurator does, with neutron's default options.
"""
import ast
import subprocess
import sys

git_dir, out_dir = sys.argv[1], sys.argv[2]


def consts(ref, path):
    src = subprocess.run(['git', '-C', git_dir, 'show', f'{ref}:{path}'], check=True, capture_output=True, text=True).stdout
    out = {}
    for node in ast.parse(src).body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            try:
                out[node.targets[0].id] = ast.literal_eval(node.value)
            except ValueError:
                pass
    return out


common = consts('HEAD', 'neutron/common/metadata.py')
base = consts('HEAD', 'neutron/agent/metadata/driver_base.py')
ovs = consts('HEAD', 'neutron/agent/metadata/driver.py')
ovn = consts('HEAD', 'neutron/agent/ovn/metadata/driver.py')
pike = consts('11.0.0', 'neutron/agent/metadata/driver.py')

R = '5a3c3b4e-1111-2222-3333-444455556666'
N = '2c4b658c-f2a0-4a17-9ad2-c07e45e13a8a'
TIMEOUTS = dict(timeout_connect=30, timeout_client=32, timeout_server=32, timeout_http_request=30, timeout_http_keep_alive=30)


def master(uuid, host, port, header, res_type, res_type_del, v6=''):
    info = dict(host=host, port=port, unix_socket_path='/var/lib/neutron/metadata_proxy', user='neutron', group='neutron',
                pidfile=f'/var/lib/neutron/external/pids/{uuid}.pid.haproxy', log_level='info',
                log_tag=f'haproxy-metadata-proxy-{uuid}', bind_v6_line=v6, res_type=res_type, res_type_del=res_type_del,
                res_id=uuid, **TIMEOUTS)
    return (common['METADATA_HAPROXY_GLOBAL'] + base['_UNLIMITED_CONFIG_TEMPLATE'] + header) % info


files = {
    'haproxy-config--golden-master-router.txt': master(R, '::', 9697, ovs['_HEADER_CONFIG_TEMPLATE'], 'Router', 'Network'),
    'haproxy-config--golden-master-dhcp-v6.txt': master(N, '169.254.169.254', 80, ovs['_HEADER_CONFIG_TEMPLATE'], 'Network', 'Router',
                                                      'bind [fe80::a9fe:a9fe]:80 interface tap1332271e-0d'),
    'haproxy-config--golden-master-ovn.txt': master(N, '169.254.169.254', 80, ovn['_HEADER_CONFIG_TEMPLATE'], 'Network', 'Router'),
    'haproxy-config--golden-pike-network.txt': pike['_HAPROXY_CONFIG_TEMPLATE'] % dict(
        port=80, unix_socket_path='/var/lib/neutron/metadata_proxy', user='neutron', group='neutron',
        pidfile=f'/var/lib/neutron/external/pids/{N}.pid', log_level='info', res_type='Network', res_id=N),
}

def neutron_info(uuid, host, port, res_type, res_type_del, pid_suffix='.pid.haproxy', v6=''):
    return dict(host=host, port=port, unix_socket_path='/var/lib/neutron/metadata_proxy', user='neutron', group='neutron',
                pidfile=f'/var/lib/neutron/external/pids/{uuid}{pid_suffix}', log_level='info',
                log_tag=f'haproxy-metadata-proxy-{uuid}', bind_v6_line=v6, res_type=res_type, res_type_del=res_type_del,
                res_id=uuid)


queens = consts('12.0.0', 'neutron/agent/metadata/driver.py')
victoria = consts('17.0.0', 'neutron/agent/metadata/driver.py')
bobcat = consts('23.0.0', 'neutron/agent/metadata/driver.py')
bobcat_common = consts('23.0.0', 'neutron/common/metadata.py')
files['haproxy-config--golden-queens-router.txt'] = queens['_HAPROXY_CONFIG_TEMPLATE'] % neutron_info(R, '0.0.0.0', 9697, 'Router', 'Network', '.pid')
files['haproxy-config--golden-victoria-dhcp-v6.txt'] = victoria['_HAPROXY_CONFIG_TEMPLATE'] % neutron_info(
    N, '169.254.169.254', 80, 'Network', 'Router', v6='bind fe80::a9fe:a9fe:80 interface tap1332271e-0d')
rate = dict(neutron_info(R, '::', 9697, 'Router', 'Network'), ip_version='ip', base_window_duration=10, base_query_rate_limit=10,
            burst_window_duration=10, burst_query_rate_limit=10, stick_table_expire=10)
files['haproxy-config--golden-2023.2-router-rate-limited.txt'] = (
    bobcat_common['METADATA_HAPROXY_GLOBAL'] + bobcat_common['RATE_LIMITED_CONFIG_TEMPLATE'] + bobcat['_HEADER_CONFIG_TEMPLATE']) % rate

for name, text in files.items():
    with open(f'{out_dir}/{name}', 'w') as f:
        f.write(text)
    print(name, len(text))
