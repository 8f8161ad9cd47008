#!/usr/bin/python3
"""Regenerates the SIG(0) unit-test fixtures in this folder (test-only keys).

Makes two BIND keys with dnssec-keygen -T KEY (ECDSAP256SHA256 for
host1.example.com., ED25519 for host2.example.com.), then captures the
UPDATE messages BIND's nsupdate -k really sends, signed with them, through a
tiny UDP server on 127.0.0.1 that records each datagram and answers NOERROR.
Writes KEY records (keys.zone) and the captured messages (*.bin).
Keys and messages already here are kept unless --force is given.
Usage: tests/data/sig0/make-fixtures.py [--force]  (needs bind9-utils / bind9-dnsutils)
The messages are valid for 10 minutes (BIND signs now -+ 5 min; the default
fudge adds 5 more each side): check_sig0 expects them expired, so run it
at least 10 minutes after regenerating.
"""
import glob
import os
import socket
import subprocess
import sys
import threading

HERE = os.path.dirname(os.path.abspath(__file__))
FORCE = "--force" in sys.argv[1:]


def keygen(alg, name, nametype="HOST", bits=None):
    """The key for @name: the one already here, else a new one (--force: always new)."""
    old = sorted(glob.glob(os.path.join(HERE, "K%s+*.key" % name)))
    if old and not FORCE:
        return old[0][:-4]
    for f in glob.glob(os.path.join(HERE, "K%s+*" % name)):
        os.unlink(f)
    out = subprocess.run(["dnssec-keygen", "-q", "-K", HERE, "-a", alg, "-T", "KEY",
                          "-n", nametype] + (["-b", str(bits)] if bits else []) + [name],
                         check=True, capture_output=True, text=True)
    return os.path.join(HERE, out.stdout.strip())


def capture(keyfile, script):
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    got = []

    def serve():
        data, peer = sock.recvfrom(65535)
        got.append(data)
        # Header-only NOERROR reply: same id, QR set, opcode UPDATE, zone count 0.
        sock.sendto(data[:2] + bytes([0xA8, 0x00]) + bytes(8), peer)

    t = threading.Thread(target=serve)
    t.start()
    subprocess.run(["nsupdate", "-k", keyfile + ".key"],
                   input="server 127.0.0.1 %d\nzone example.com.\n%s\nsend\n" % (port, script),
                   text=True, check=True, capture_output=True, timeout=20)
    t.join(timeout=5)
    sock.close()
    if not got:
        sys.exit("nsupdate sent nothing")
    return got[0]


def main():
    k1 = keygen("ECDSAP256SHA256", "host1.example.com.")
    k2 = keygen("ED25519", "host2.example.com.")
    # A zone key: signs as the apex; the unit test publishes it as the zone's DNSKEY.
    k3 = keygen("ED25519", "example.com.", "ZONE")
    # The other algorithms (the unit test verifies these messages without a time check),
    # and an RSA key below the 2048-bit minimum.
    k4 = keygen("RSASHA256", "rsa2048.example.com.", bits=2048)
    k5 = keygen("ECDSAP384SHA384", "p384.example.com.")
    k6 = keygen("ED448", "ed448.example.com.")
    k7 = keygen("RSASHA256", "rsa1024.example.com.", bits=1024)
    with open(os.path.join(HERE, "keys.zone"), "w") as z:
        for k in (k1, k2):
            with open(k + ".key") as f:
                z.writelines(l for l in f if not l.startswith(";"))
    msgs = {
        "p256.bin": (k1, "update add host1.example.com. 300 A 192.0.2.1"),
        "p256-2.bin": (k1, "update add host1.example.com. 300 A 192.0.2.2"),
        "ed25519.bin": (k2, "update add host2.example.com. 300 AAAA 2001:db8::2"),
        "apex-ed25519.bin": (k3, "update add www.example.com. 300 A 192.0.2.3"),
        "rsa2048.bin": (k4, "update add rsa2048.example.com. 300 A 192.0.2.4"),
        "p384.bin": (k5, "update add p384.example.com. 300 A 192.0.2.5"),
        "ed448.bin": (k6, "update add ed448.example.com. 300 A 192.0.2.6"),
        "rsa1024.bin": (k7, "update add rsa1024.example.com. 300 A 192.0.2.7"),
    }
    for name, (key, script) in msgs.items():
        if os.path.exists(os.path.join(HERE, name)) and not FORCE:
            continue
        with open(os.path.join(HERE, name), "wb") as f:
            f.write(capture(key, script))
    print("fixtures written to", HERE)


if __name__ == "__main__":
    main()
