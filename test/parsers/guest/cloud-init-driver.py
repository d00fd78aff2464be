#!/usr/bin/env python3
"""Run the installed cloud-init's OpenStack (and Ec2) datasource code in a test namespace,
logging exactly as /var/log/cloud-init.log does (05_logging.cfg format), to a file of ours.

usage: cloud-init-driver.py LOGFILE fail|ok WORKDIR

Nothing on the host is written except under WORKDIR: the datasource gets Paths rooted there.
DMI detection is bypassed (this machine is not an OpenStack instance); everything else is
cloud-init's own code.
"""
import logging
import sys

LOGFILE, MODE, WORKDIR = sys.argv[1], sys.argv[2], sys.argv[3]

from cloudinit import distros, helpers, sources
from cloudinit.cmd import main as ci_main
from cloudinit.reporting import events
from cloudinit.sources import DataSourceEc2, DataSourceOpenStack

# after the imports: importing cloudinit.log resets the root logger's handlers
handler = logging.FileHandler(LOGFILE)
handler.setFormatter(logging.Formatter("%(asctime)s - %(filename)s[%(levelname)s]: %(message)s"))
root = logging.getLogger()
root.setLevel(logging.DEBUG)
root.addHandler(handler)

DataSourceOpenStack.detect_openstack = lambda accept_oracle=False: True

paths = helpers.Paths({"cloud_dir": WORKDIR + "/cloud", "run_dir": WORKDIR + "/run"})
sys_cfg = {
    "datasource_list": ["OpenStack", "Ec2", "None"],
    "datasource": {"Ec2": {"max_wait": 3, "timeout": 2}, "OpenStack": {"timeout": 5}},
}
distro = distros.fetch("debian")("debian", {}, paths)

ci_main.welcome("init")
reporter = events.ReportEventStack(name="init-network", description="searching for network datasources",
                                   reporting_enabled=True)
try:
    sources.find_source(sys_cfg, distro, paths, [sources.DEP_FILESYSTEM, sources.DEP_NETWORK],
                        ["OpenStack"], ["", "cloudinit.sources"], reporter)
except sources.DataSourceNotFoundException as e:
    print("no datasource found: %s" % e, file=sys.stderr)

if MODE == "fail":
    ec2 = DataSourceEc2.DataSourceEc2(sys_cfg, distro, paths)
    ec2.wait_for_metadata_service()
