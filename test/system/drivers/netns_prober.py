"""Runs inside the client namespace of the firewall lab (test/system/firewall-kernel.test.ts).

Reads JSON lines {id, src, dst, port, timeoutMs} on stdin, starts a TCP connection from src to
dst:port and answers one JSON line {id, outcome, code, ms} with the fate of its first packet (the
SYN, connection state NEW), observed on a packet socket rather than through connect(): what the
server's firewall did to later packets (the handshake's ACK is ESTABLISHED) must not blur it, so
the first answer in arrival order decides (one AF_PACKET socket keeps TCP and ICMP in order).
Each probe binds its own local port, never reused within a run: a 4-tuple still known to the
server's TCP stack or conntrack from an earlier ruleset would make the SYN look dropped.

- "connected": a SYN-ACK came back (the SYN was accepted);
- "error": a RST (code "RST") or an ICMP destination-unreachable quoting our SYN (code
  "ICMP 3/<code>") came back (the SYN was rejected);
- "timeout": nothing within timeoutMs (the SYN was dropped).
"""
import errno
import json
import os
import selectors
import socket
import struct
import sys
import time

ETH_P_ALL = 0x0003
PACKET_OUTGOING = 4
INTERFACE = sys.argv[1]
sel = selectors.DefaultSelector()
capture = socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM, socket.htons(ETH_P_ALL))
capture.bind((INTERFACE, ETH_P_ALL))
capture.setblocking(False)
capture.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 * 1024 * 1024)
sel.register(capture, selectors.EVENT_READ, "capture")
# Local ports, one per probe: 10000-64999 is enough for every probe of a run in one namespace.
next_port = 10000
os.set_blocking(sys.stdin.fileno(), False)
sel.register(sys.stdin, selectors.EVENT_READ, "stdin")

# (local address, local port, remote address, remote port) -> pending probe
pending = {}
buffered = b""


late = {}
stats = {"late": [], "tcp": 0, "icmp": 0, "unmatched": 0, "recent_unmatched": []}


def answer(key, outcome, code):
    probe = pending.pop(key, None)
    if probe is None:
        if key in late:
            stats["late"].append(f"{key} {outcome} {code} {int((time.monotonic() - late[key]) * 1000)}ms after start")
            stats["late"] = stats["late"][-8:]
        stats["unmatched"] += 1
        stats["recent_unmatched"] = (stats["recent_unmatched"] + [f"{key} {outcome} {code}"])[-5:]
        return
    ms = int((time.monotonic() - probe["started"]) * 1000)
    sock = probe["sock"]
    # Close with RST (linger 0): no FIN handshake, no TIME_WAIT left behind.
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()
    sys.stdout.write(json.dumps({"id": probe["id"], "outcome": outcome, "code": code, "ms": ms}) + "\n")
    sys.stdout.flush()


def start(request):
    global next_port
    if request.get("stats"):
        sys.stdout.write(json.dumps({"id": request["id"], "outcome": "stats", "code": json.dumps({**stats, "pending": [str(k) for k in pending][:5], "next_port": next_port}), "ms": 0}) + "\n")
        sys.stdout.flush()
        return
    if next_port > 64999:
        raise SystemExit("out of local ports")
    family = socket.AF_INET6 if ":" in request["src"] else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setblocking(False)
    sock.bind((request["src"], next_port))
    next_port += 1
    result = sock.connect_ex((request["dst"], request["port"]))
    if result not in (0, errno.EINPROGRESS):
        sys.stdout.write(json.dumps({"id": request["id"], "outcome": "error", "code": errno.errorcode.get(result, str(result)), "ms": 0}) + "\n")
        sys.stdout.flush()
        sock.close()
        return
    key = (request["src"], sock.getsockname()[1], request["dst"], request["port"])
    pending[key] = {"id": request["id"], "sock": sock, "started": time.monotonic(), "deadline": time.monotonic() + request["timeoutMs"] / 1000}


def addresses(packet):
    """(source, destination, header length, protocol) of an IPv4 or IPv6 packet (no extension headers)."""
    if packet[0] >> 4 == 6:
        return socket.inet_ntop(socket.AF_INET6, packet[8:24]), socket.inet_ntop(socket.AF_INET6, packet[24:40]), 40, packet[6]
    return socket.inet_ntoa(packet[12:16]), socket.inet_ntoa(packet[16:20]), (packet[0] & 15) * 4, packet[9]


def tcp_segment(packet):
    src, dst, ihl, _ = addresses(packet)
    sport, dport = struct.unpack("!HH", packet[ihl:ihl + 4])
    flags = packet[ihl + 13]
    # The reply travels from the server to us: key by our side first.
    key = (dst, dport, src, sport)
    if flags & 0x04:
        answer(key, "error", "RST")
    elif flags & 0x12 == 0x12:
        answer(key, "connected", None)


def icmp_message(packet):
    """ICMP destination unreachable (type 3) or ICMPv6 destination unreachable (type 1) quoting a SYN of ours."""
    _, _, ihl, _ = addresses(packet)
    kind, code = packet[ihl], packet[ihl + 1]
    v6 = packet[0] >> 4 == 6
    if kind != (1 if v6 else 3):
        return
    inner = packet[ihl + 8:]
    if len(inner) < 20:
        return
    src, dst, inner_ihl, protocol = addresses(inner)
    if protocol != socket.IPPROTO_TCP or len(inner) < inner_ihl + 4:
        return
    sport, dport = struct.unpack("!HH", inner[inner_ihl:inner_ihl + 4])
    answer((src, sport, dst, dport), "error", f"ICMP{'v6' if v6 else ''} {kind}/{code}")


while True:
    timeout = None
    if pending:
        timeout = max(0.0, min(p["deadline"] for p in pending.values()) - time.monotonic())
    for selected, _ in sel.select(timeout):
        if selected.data == "stdin":
            chunk = os.read(sys.stdin.fileno(), 65536)
            if not chunk:
                sys.exit(0)
            buffered += chunk
            *lines, buffered = buffered.split(b"\n")
            for line in lines:
                if line.strip():
                    start(json.loads(line))
        else:
            while True:
                try:
                    packet, address = capture.recvfrom(65535)
                except BlockingIOError:
                    break
                if address[2] == PACKET_OUTGOING or len(packet) < 28 or packet[0] >> 4 not in (4, 6):
                    continue
                if packet[0] >> 4 == 6 and len(packet) < 48:
                    continue
                protocol = addresses(packet)[3]
                if protocol == socket.IPPROTO_TCP:
                    stats["tcp"] += 1
                    tcp_segment(packet)
                elif protocol in (socket.IPPROTO_ICMP, socket.IPPROTO_ICMPV6):
                    icmp_message(packet)
    now = time.monotonic()
    for key in [k for k, p in pending.items() if p["deadline"] <= now]:
        late[key] = pending[key]["started"]
        answer(key, "timeout", None)
