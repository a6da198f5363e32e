"""Drives Swift's own MemcacheRing against memcached on loopback and logs through Swift's
syslog-style formatter (SwiftLogFormatter + LogAdapter, as get_logger sets them up) into a file.

usage: swift_memcache_driver.py LOGFILE RUNNING_PORT CLOSED_PORT
Loopback only; every loop is bounded; timeouts are short.
"""
import logging
import sys

from swift.common.memcached import MemcacheRing
from swift.common.utils import LogAdapter, SwiftLogFormatter

log_path, running, closed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])

base = logging.getLogger("stacklint-system-test")
base.setLevel(logging.DEBUG)
handler = logging.FileHandler(log_path)
# Swift's syslog format is "%(server)s: %(message)s"; rsyslog adds the stamp and host.
handler.setFormatter(SwiftLogFormatter(fmt="%(asctime)s localhost %(server)s: %(message)s", datefmt="%b %d %H:%M:%S"))
base.addHandler(handler)
logger = LogAdapter(base, "proxy-server")

# Both servers: keys that hash to the closed port fail over to the running one.
ring = MemcacheRing(["127.0.0.1:%d" % running, "127.0.0.1:%d" % closed], connect_timeout=0.5, io_timeout=1.0, pool_timeout=1.0, tries=2, logger=logger, error_limit_count=3)
logger.txn_id = "tx0123456789abcdef01234-0066326800"
for i in range(12):
    ring.set("stacklint-key-%d" % i, {"n": i}, time=60)
    ring.get("stacklint-key-%d" % i)
logger.txn_id = None

# Only the closed port: every server failing.
lonely = MemcacheRing(["127.0.0.1:%d" % closed], connect_timeout=0.5, io_timeout=1.0, tries=1, logger=logger, error_limit_count=2)
for i in range(6):
    lonely.get("stacklint-lonely-%d" % i)

handler.flush()
print("ok")
