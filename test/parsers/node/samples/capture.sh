#!/usr/bin/env bash
# Regenerates the real-tool samples in this directory: builds network namespaces shaped like
# neutron's qrouter-/qdhcp- ones (prefix mdnp-), starts real listeners in them (haproxy with the
# config neutron renders, dnsmasq with a neutron opts file, python/nc sockets), applies neutron's
# iptables rules, then saves what ss, netstat, iptables-save, ip, ifconfig, ps, stat, ls, curl
# print. Everything it creates is removed on exit, also on failure.
#
# usage (root): test/parsers/node/samples/capture.sh   (run from the repository root)
set -euo pipefail

OUT=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$OUT/../../../.." && pwd)
TMP=$(mktemp -d /tmp/mdnp-capture.XXXXXX)
chmod 755 "$TMP"
NSS=(mdnp-rtr mdnp-dhcp mdnp-vm mdnp-old mdnp-kilo mdnp-leg mdnp-ext)
PIDS=()
R=5a3c3b4e-1111-2222-3333-444455556666
N=2c4b658c-f2a0-4a17-9ad2-c07e45e13a8a
OLDR=c43ebbe2-8f20-42c3-bf03-f87f7d062f94

cleanup() {
  set +e
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
  for f in "$TMP"/*.pid "$TMP"/state/external/pids/*; do [ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null; done
  sleep 0.3
  for ns in "${NSS[@]}"; do ip netns del "$ns" 2>/dev/null; done
  rm -rf "$TMP"
}
trap cleanup EXIT

nsx() { local ns=$1; shift; nsenter --net="/run/netns/$ns" "$@"; }
save() { cat >"$OUT/$1"; echo "wrote $1 ($(wc -c <"$OUT/$1") bytes)"; }
# nsenter and setpriv exec, so $! is the listener itself and cleanup can kill it by pid
bg() { local ns=$1; shift; nsenter --net="/run/netns/$ns" "$@" & PIDS+=($!); }

for ns in "${NSS[@]}"; do ip netns del "$ns" 2>/dev/null || true; ip netns add "$ns"; ip -n "$ns" link set lo up; done

# ---- topology: guest eth0 <-> router qr-, gateway qg-, DHCP tap with the metadata address ----
ip link add qr-1a2b3c4d-5e netns mdnp-rtr type veth peer name eth0 netns mdnp-vm
ip -n mdnp-rtr addr add 10.0.0.1/24 dev qr-1a2b3c4d-5e
ip -n mdnp-rtr link set qr-1a2b3c4d-5e address fa:16:3e:11:22:33 up
ip -n mdnp-vm addr add 10.0.0.5/24 dev eth0
ip -n mdnp-vm link set eth0 up
ip -n mdnp-vm route add default via 10.0.0.1
# this kernel has no dummy driver: every device is a veth whose peer sits in mdnp-ext or mdnp-vm
ip link add qg-9f8e7d6c-5b netns mdnp-rtr type veth peer name ext0 netns mdnp-ext
ip -n mdnp-ext link set ext0 up
ip -n mdnp-rtr addr add 172.24.4.10/24 dev qg-9f8e7d6c-5b
ip -n mdnp-rtr link set qg-9f8e7d6c-5b up
ip link add tap1332271e-0d netns mdnp-dhcp type veth peer name eth1 netns mdnp-vm
ip -n mdnp-vm link set eth1 up
ip -n mdnp-dhcp link set tap1332271e-0d address fa:16:3e:b3:e8:38 mtu 1450 up
ip -n mdnp-dhcp addr add 10.0.0.66/26 brd 10.0.0.127 dev tap1332271e-0d
ip -n mdnp-dhcp addr add 169.254.169.254/32 dev tap1332271e-0d
ip -n mdnp-dhcp addr add fe80::a9fe:a9fe/128 dev tap1332271e-0d nodad
# Ussuri and older put the metadata address on the DHCP tap as a /16
ip link add tap6f046aae-21 netns mdnp-old type veth peer name ext1 netns mdnp-ext
ip -n mdnp-ext link set ext1 up
ip -n mdnp-old link set tap6f046aae-21 address fa:16:3e:44:55:66 up
ip -n mdnp-old addr add 10.0.0.66/26 brd 10.0.0.127 dev tap6f046aae-21
ip -n mdnp-old addr add 169.254.169.254/16 brd 169.254.255.255 dev tap6f046aae-21
sleep 1

# ---- iptables: the rules neutron master writes in a qrouter namespace, in its wrapped chains ----
W=neutron-l3-agent
ipt() { nsx mdnp-rtr iptables "$@"; }
for c in PREROUTING OUTPUT POSTROUTING snat float-snat; do ipt -t nat -N $W-$c; done
ipt -t nat -N neutron-postrouting-bottom
for c in INPUT OUTPUT FORWARD local scope; do ipt -t filter -N $W-$c; done
ipt -t filter -N neutron-filter-top
for c in PREROUTING INPUT FORWARD OUTPUT POSTROUTING mark scope floatingip float-snat; do ipt -t mangle -N $W-$c; done
for c in PREROUTING OUTPUT; do ipt -t raw -N $W-$c; done
ipt -t nat -A PREROUTING -j $W-PREROUTING
ipt -t nat -A OUTPUT -j $W-OUTPUT
ipt -t nat -A POSTROUTING -j $W-POSTROUTING
ipt -t nat -A POSTROUTING -j neutron-postrouting-bottom
ipt -t nat -A $W-POSTROUTING ! -i qg-9f8e7d6c-5b ! -o qg-9f8e7d6c-5b -m conntrack ! --ctstate DNAT -j ACCEPT
ipt -t nat -A $W-PREROUTING -d 169.254.169.254/32 -i qr-+ -p tcp -m tcp --dport 80 -j REDIRECT --to-ports 9697
ipt -t nat -A $W-snat -j $W-float-snat
ipt -t nat -A $W-snat -o qg-9f8e7d6c-5b -j SNAT --to-source 172.24.4.10
ipt -t nat -A neutron-postrouting-bottom -m comment --comment "Perform source NAT on outgoing traffic." -j $W-snat
ipt -t filter -A INPUT -j $W-INPUT
ipt -t filter -A FORWARD -j neutron-filter-top
ipt -t filter -A FORWARD -j $W-FORWARD
ipt -t filter -A OUTPUT -j neutron-filter-top
ipt -t filter -A OUTPUT -j $W-OUTPUT
ipt -t filter -A neutron-filter-top -j $W-local
ipt -t filter -A $W-FORWARD -j $W-scope
ipt -t filter -A $W-INPUT -m mark --mark 0x1/0xffff -j ACCEPT
ipt -t filter -A $W-INPUT -p tcp -m tcp --dport 9697 -j DROP
ipt -t filter -A $W-scope -o qr-1a2b3c4d-5e -m mark ! --mark 0x4000000/0xffff0000 -j DROP
ipt -t filter -A $W-scope -m mark --mark 0x1/0xffff -j DROP
for c in PREROUTING INPUT FORWARD OUTPUT POSTROUTING; do ipt -t mangle -A $c -j $W-$c; done
ipt -t mangle -A $W-PREROUTING -j $W-mark
ipt -t mangle -A $W-PREROUTING -j $W-scope
ipt -t mangle -A $W-PREROUTING -m connmark ! --mark 0x0/0xffff0000 -j CONNMARK --restore-mark --nfmask 0xffff0000 --ctmask 0xffff0000
ipt -t mangle -A $W-PREROUTING -j $W-floatingip
ipt -t mangle -A $W-PREROUTING -d 169.254.169.254/32 -i qr-+ -p tcp -m tcp --dport 80 -j MARK --set-xmark 0x1/0xffff
ipt -t mangle -A $W-POSTROUTING -o qg-9f8e7d6c-5b -m connmark --mark 0x0/0xffff0000 -j CONNMARK --save-mark --nfmask 0xffff0000 --ctmask 0xffff0000
ipt -t mangle -A $W-float-snat -m connmark --mark 0x0/0xffff0000 -j CONNMARK --save-mark --nfmask 0xffff0000 --ctmask 0xffff0000
ipt -t mangle -A $W-mark -i qg-9f8e7d6c-5b -j MARK --set-xmark 0x2/0xffff
ipt -t mangle -A $W-scope -i qr-1a2b3c4d-5e -j MARK --set-xmark 0x4000000/0xffff0000
for c in PREROUTING OUTPUT; do ipt -t raw -A $c -j $W-$c; done
ip6t() { nsx mdnp-rtr ip6tables "$@"; }
ip6t -t nat -N $W-PREROUTING
ip6t -t nat -A PREROUTING -j $W-PREROUTING
ip6t -t nat -A $W-PREROUTING -d fe80::a9fe:a9fe/128 -i qr-+ -p tcp -m tcp --dport 80 -j REDIRECT --to-ports 9697
ip6t -t filter -N $W-INPUT
ip6t -t filter -A INPUT -j $W-INPUT
ip6t -t filter -A $W-INPUT -m mark --mark 0x1/0xffff -j ACCEPT
ip6t -t filter -A $W-INPUT -p tcp -m tcp --dport 9697 -j DROP
nsx mdnp-rtr iptables-save | save iptables-save--neutron-master.txt
nsx mdnp-rtr iptables-save -c | save iptables-save--neutron-master-counters.txt
nsx mdnp-rtr ip6tables-save | save iptables-save--ip6-neutron-master.txt
nsx mdnp-rtr iptables -t nat -L -n | save iptables-save--list-output-refused.txt

# Juno: neutron passed "-s 0.0.0.0/0 ... --to-port 9697" and an unmasked mark; iptables-save normalises it
nsx mdnp-old iptables -t nat -N $W-PREROUTING
nsx mdnp-old iptables -t nat -A PREROUTING -j $W-PREROUTING
nsx mdnp-old iptables -t nat -A $W-PREROUTING -s 0.0.0.0/0 -d 169.254.169.254/32 -i qr-+ -p tcp -m tcp --dport 80 -j REDIRECT --to-port 9697
nsx mdnp-old iptables -t filter -N $W-INPUT
nsx mdnp-old iptables -t filter -A INPUT -j $W-INPUT
nsx mdnp-old iptables -t filter -A $W-INPUT -m mark --mark 0x1 -j ACCEPT
nsx mdnp-old iptables -t filter -A $W-INPUT -s 0.0.0.0/0 -p tcp -m tcp --dport 9697 -j DROP
nsx mdnp-old iptables-save | save iptables-save--juno.txt
# Kilo: mangle MARK without -i qr-+ and with a /0xffffffff mask
nsx mdnp-kilo iptables -t nat -N $W-PREROUTING
nsx mdnp-kilo iptables -t nat -A PREROUTING -j $W-PREROUTING
nsx mdnp-kilo iptables -t nat -A $W-PREROUTING -d 169.254.169.254/32 -i qr-+ -p tcp -m tcp --dport 80 -j REDIRECT --to-port 9697
nsx mdnp-kilo iptables -t mangle -N $W-PREROUTING
nsx mdnp-kilo iptables -t mangle -A PREROUTING -j $W-PREROUTING
nsx mdnp-kilo iptables -t mangle -A $W-PREROUTING -d 169.254.169.254/32 -p tcp -m tcp --dport 80 -j MARK --set-mark 0x1
nsx mdnp-kilo iptables -t filter -N $W-INPUT
nsx mdnp-kilo iptables -t filter -A INPUT -j $W-INPUT
nsx mdnp-kilo iptables -t filter -A $W-INPUT -m mark --mark 0x1 -j ACCEPT
nsx mdnp-kilo iptables -t filter -A $W-INPUT -p tcp -m tcp --dport 9697 -j DROP
nsx mdnp-kilo iptables-save | save iptables-save--kilo.txt
# (no live loop sample: the kernel refuses chain loops, "RULE_APPEND failed (Too many links)")
# legacy and nft side by side: iptables-nft-save warns that legacy tables exist
if command -v iptables-legacy >/dev/null && nsx mdnp-leg iptables-legacy -t nat -A PREROUTING -d 169.254.169.254/32 -p tcp -m tcp --dport 80 -j REDIRECT --to-ports 9697 2>/dev/null; then
  nsx mdnp-leg iptables-nft -t filter -A INPUT -p tcp -m tcp --dport 9697 -j DROP
  # 1.8.9 prints the legacy warning on stderr; a pasted or bundled 2>&1 capture has it inline
  nsx mdnp-leg iptables-nft-save 2>&1 | save iptables-save--nft-with-legacy-warning.txt
  nsx mdnp-leg iptables-legacy-save | save iptables-save--legacy.txt
else
  echo "iptables-legacy unusable here: legacy samples not regenerated" >&2
fi
nsx mdnp-vm iptables-save | save iptables-save--empty-namespace.txt
(nsenter --net=/run/netns/mdnp-missing iptables-save 2>&1 || true) | save iptables-save--error-nsenter-missing-ns.txt
(ip netns exec mdnp-missing iptables-save 2>&1 || true) | save iptables-save--error-cannot-open-netns.txt
(env PATH=/nonexistent /bin/bash -c iptables-save 2>&1 || true) | save iptables-save--error-command-not-found.txt

# ---- listeners ----
cp "$OUT/agent-emulator.py" "$TMP/agent.py"
S=$TMP/state  # plays neutron's state_path
mkdir -p "$S/ns-metadata-proxy" "$S/external/pids" "$S/run"
chown nobody "$S/run"
SOCK=$S/run/metadata_proxy
bg mdnp-rtr setpriv --reuid=65534 --regid=65534 --clear-groups /usr/bin/python3 "$TMP/agent.py" "$SOCK"
AGENT=$!
for _ in $(seq 50); do [ -S "$SOCK" ] && break; sleep 0.1; done
render() { (cd "$REPO" && npx tsx -e "import {renderNeutronHaproxyConfig as r} from './src/lib/neutron-haproxy-template.ts'; process.stdout.write(r($1))"); }
render "{kind:'router', id:'$R', bind:':::9697', socketPath:'$SOCK', pidfile:'$S/external/pids/$R.pid.haproxy', user:'root', group:'root'}" >"$S/ns-metadata-proxy/$R.conf"
render "{kind:'network', id:'$N', bind:'169.254.169.254:80', bindV6Line:'bind [fe80::a9fe:a9fe]:80 interface tap1332271e-0d', socketPath:'$SOCK', pidfile:'$S/external/pids/$N.pid.haproxy', user:'root', group:'root'}" >"$S/ns-metadata-proxy/$N.conf"
haproxy -c -f "$S/ns-metadata-proxy/$R.conf" >/dev/null
haproxy -c -f "$S/ns-metadata-proxy/$N.conf" >/dev/null
nsx mdnp-rtr haproxy -f "$S/ns-metadata-proxy/$R.conf"
nsx mdnp-dhcp haproxy -f "$S/ns-metadata-proxy/$N.conf"
bg mdnp-rtr setpriv --reuid=65534 --regid=65534 --clear-groups /usr/bin/python3 -m http.server 8775 --bind 127.0.0.1 --directory "$TMP"
bg mdnp-rtr nc -lk -u 127.0.0.1 5353
# an IPv6-only wildcard listener: ss prints it as [::]:8776 (the dual-stack haproxy one as *:9697)
bg mdnp-rtr /usr/bin/python3 -c "
import socket,time
s=socket.socket(socket.AF_INET6,socket.SOCK_STREAM); s.setsockopt(socket.IPPROTO_IPV6,socket.IPV6_V6ONLY,1); s.bind(('::',8776)); s.listen()
time.sleep(600)"
# a socket bound to a device, the way systemd-resolved binds 127.0.0.53%lo
bg mdnp-dhcp /usr/bin/python3 -c "
import socket,time
s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM); s.setsockopt(socket.SOL_SOCKET,socket.SO_BINDTODEVICE,b'lo'); s.bind(('127.0.0.53',53))
t=socket.socket(socket.AF_INET,socket.SOCK_STREAM); t.setsockopt(socket.SOL_SOCKET,socket.SO_BINDTODEVICE,b'lo'); t.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1); t.bind(('127.0.0.53',53)); t.listen()
time.sleep(600)"
cat >"$TMP/opts" <<EOF
tag:subnet-6f046aae-2158-4882-a818-c56d81bc8074,option:dns-server,10.0.0.66
tag:subnet-6f046aae-2158-4882-a818-c56d81bc8074,option:classless-static-route,169.254.169.254/32,10.0.0.66,0.0.0.0/0,10.0.0.126
tag:subnet-6f046aae-2158-4882-a818-c56d81bc8074,249,169.254.169.254/32,10.0.0.66,0.0.0.0/0,10.0.0.126
tag:subnet-6f046aae-2158-4882-a818-c56d81bc8074,option:router,10.0.0.126
EOF
: >"$TMP/host"; : >"$TMP/addn_hosts"
nsx mdnp-dhcp dnsmasq --no-hosts --no-resolv --pid-file="$TMP/dnsmasq.pid" --dhcp-hostsfile="$TMP/host" \
  --addn-hosts="$TMP/addn_hosts" --dhcp-optsfile="$TMP/opts" --dhcp-leasefile="$TMP/leases" --dhcp-match=set:ipxe,175 \
  --local-service --bind-dynamic --dhcp-range=set:subnet-6f046aae-2158-4882-a818-c56d81bc8074,10.0.0.64,static,255.255.255.192,86400s \
  --dhcp-option-force=option:mtu,1450 --dhcp-lease-max=64 --conf-file=/dev/null --domain=openstacklocal --interface=tap1332271e-0d
cp "$TMP/opts" "$OUT/dnsmasq-opts--neutron-ussuri-plus-isolated.txt"
# Havana-era python proxy, as neutron's l3 agent started it
mkdir -p "$TMP/usr/bin"
cat >"$TMP/usr/bin/neutron-ns-metadata-proxy" <<'EOF'
import socket, sys, time
port = int([a for a in sys.argv if a.startswith('--metadata_port=')][0].split('=')[1])
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(('0.0.0.0', port)); s.listen(); time.sleep(600)
EOF
bg mdnp-old /usr/bin/python3 "$TMP/usr/bin/neutron-ns-metadata-proxy" --pid_file=/var/lib/neutron/external/pids/$OLDR.pid \
  --metadata_proxy_socket=/var/lib/neutron/metadata_proxy --router_id=$OLDR --state_path=/var/lib/neutron \
  --metadata_port=9697 --debug --log-file=neutron-ns-metadata-proxy-$OLDR.log --log-dir=/var/log/neutron
OLDPID=$!
sleep 2

for v in "-H -n -t -e state listening" -Hnlt -Hnltp -Hnlte -Hnltep "-Hnlte -u" -Hnltu -Hnltup -Hnlu -Hnlup -Hxl -Hxlp -Hxlep -nltp; do
  name=$(echo "$v" | tr -d ' -' )
  nsx mdnp-rtr ss $v | save "ss-listeners--rtr-$name.txt"
  nsx mdnp-dhcp ss $v | save "ss-listeners--dhcp-$name.txt"
done
nsx mdnp-old ss -Hnltp | save ss-listeners--old-python-proxy-Hnltp.txt
(nsenter --net=/run/netns/mdnp-missing ss -Hnlt 2>&1 || true) | save ss-listeners--error-nsenter-missing-ns.txt
(ip netns exec mdnp-missing ss -Hnlt 2>&1 || true) | save ss-listeners--error-cannot-open-netns.txt
for v in -nlpt -lntup -lxp -lx -nlt -lntu; do
  nsx mdnp-rtr netstat $v | save "netstat-listeners--rtr$v.txt"
  nsx mdnp-dhcp netstat $v | save "netstat-listeners--dhcp$v.txt"
done
nsx mdnp-old netstat -nlpt | save netstat-listeners--old-python-proxy-nlpt.txt

# ---- addresses ----
for ns in rtr dhcp old; do
  nsx mdnp-$ns ip -json addr | save "ip-addr--$ns.txt"
  nsx mdnp-$ns ip addr | save "ip-addr-text--$ns.txt"
  nsx mdnp-$ns ip -o addr | save "ip-addr-text--$ns-oneline.txt"
  nsx mdnp-$ns ifconfig -a | save "ifconfig--$ns.txt"
done
nsx mdnp-dhcp ip -json -pretty addr | save ip-addr--dhcp-pretty.txt
(ip -n mdnp-missing -json addr 2>&1 || true) | save ip-addr--error-cannot-open-netns.txt

# ---- processes ----
HAPIDS=$(cat "$S/external/pids/$R.pid.haproxy" "$S/external/pids/$N.pid.haproxy" | tr '\n' ',' | sed 's/,$//')
ps -ww -o pid=,user=,args= -p "$HAPIDS,$OLDPID,$(cat "$TMP/dnsmasq.pid")" | save ps--eww-pid-user-args.txt
ps -f --pid "$OLDPID" | fold -s -w 90 | save ps--f-folded-python-proxy.txt
ps -f -ww -p "$HAPIDS" | save ps--f-haproxy.txt
tr '\0' '\n' <"/proc/$(head -1 "$S/external/pids/$R.pid.haproxy")/cmdline" | save neutron-proxy-cmdline--haproxy-proc.txt
tr '\0' '\n' <"/proc/$OLDPID/cmdline" | save neutron-proxy-cmdline--python-proxy-proc.txt

# ---- files ----
ln -s "$SOCK" "$TMP/link"; mkdir "$TMP/dir"; : >"$TMP/empty"; echo x >"$TMP/file"
for f in "$SOCK" "$TMP/link" "$TMP/dir" "$TMP/empty" "$TMP/file"; do
  stat -c '%n|%F|%a|%u|%g|%U|%G|%i' "$f" | save "stat--$(basename "$f").txt"
  ls -ld "$f" | save "ls-long--$(basename "$f").txt"
done
ls -ld --time-style=long-iso "$TMP/dir" | save ls-long--dir-long-iso.txt
(stat -c '%n|%F|%a|%u|%g|%U|%G|%i' /var/lib/mdnp-missing/metadata_proxy 2>&1 || true) | save stat--error-missing.txt

# ---- haproxy configs as rendered, checked by haproxy itself ----
cp "$S/ns-metadata-proxy/$R.conf" "$OUT/haproxy-config--rendered-master-router.txt"
cp "$S/ns-metadata-proxy/$N.conf" "$OUT/haproxy-config--rendered-master-dhcp-v6.txt"

# ---- HTTP through the real path: guest -> qr- REDIRECT -> haproxy :9697 -> unix socket -> agent ----
probe() { nsx mdnp-vm /usr/bin/python3 -c "
import socket,sys
s=socket.create_connection(('169.254.169.254',80),timeout=10)
s.sendall(b'GET $1 HTTP/1.1\r\nHost: 169.254.169.254\r\nConnection: close\r\n\r\n')
d=b''
while True:
    c=s.recv(65536)
    if not c: break
    d+=c
sys.stdout.buffer.write(d)"; }
probe / | save http-response--haproxy-200-versions.txt
probe /notfound | save http-response--agent-404-raw-template.txt
nsx mdnp-vm curl -si http://169.254.169.254/ | save http-response--curl-si-200.txt
# the agent's own bytes on its unix socket (bare LF line ends, no haproxy in between)
nsx mdnp-rtr /usr/bin/python3 -c "
import socket,sys
s=socket.socket(socket.AF_UNIX); s.connect('$SOCK')
s.sendall(b'GET /notfound HTTP/1.1\r\nHost: 169.254.169.254\r\nX-Neutron-Router-ID: $R\r\n\r\n')
d=b''
while True:
    c=s.recv(65536)
    if not c: break
    d+=c
sys.stdout.buffer.write(d)" | save http-response--agent-socket-404-bare-lf.txt
kill "$AGENT"; sleep 0.5
probe /openstack | save http-response--haproxy-503-no-agent.txt
echo done
