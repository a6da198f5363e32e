#!/usr/bin/python3
"""What Swift itself makes of a proxy's cache configuration, as JSON.

Loads the pipeline's memcache filter from proxy-server.conf with paste.deploy (as the proxy does)
and builds Swift's own MemcacheMiddleware from that conf, then reads the MemcacheRing it made.
memcache.conf is looked up in swift_dir; when swift_dir is unset or /etc/swift, the directory of
the proxy-server.conf stands in for /etc/swift (the fixtures are laid out as etc/swift/).
Needs Debian's python3-swift. Usage: swift_memcache_oracle.py PROXY_CONF...
"""
import json
import os
import sys

from paste.deploy import loadwsgi

try:
    from swift.common.middleware.memcache import MemcacheMiddleware
except ImportError:  # pragma: no cover
    MemcacheMiddleware = None


def pipeline_cache_filter(path):
    loader = loadwsgi.ConfigLoader(path)
    parser = loader.parser
    for section in parser.sections():
        if section.startswith("pipeline:"):
            names = parser.get(section, "pipeline").split()
            for name in names[:-1]:
                context = loader.get_context(loadwsgi.FILTER, name)
                if getattr(context.object, "__module__", "") == "swift.common.middleware.memcache":
                    return context
    return None


def describe(path):
    context = pipeline_cache_filter(path)
    if context is None:
        return {"cache": False}
    conf = dict(context.global_conf)
    conf.update(context.local_conf)
    if conf.get("swift_dir", "/etc/swift") == "/etc/swift":
        conf["swift_dir"] = os.path.dirname(os.path.abspath(path))
    middleware = MemcacheMiddleware(None, conf)
    ring = middleware.memcache
    servers = list(ring._client_cache.keys())
    pool = ring._client_cache[servers[0]]
    return {
        "cache": True,
        "servers": [s.strip() for s in middleware.memcache_servers.split(",") if s.strip()],
        "max_connections": pool.max_size,
        "connect_timeout": ring._connect_timeout,
        "pool_timeout": ring._pool_timeout,
        "io_timeout": ring._io_timeout,
        "tries": ring._tries,
        "tls_enabled": middleware.tls_context is not None,
        "error_suppression_limit": ring._error_limit_count,
        "error_suppression_interval": ring._error_limit_time,
    }


def main():
    results = {}
    for path in sys.argv[1:]:
        try:
            results[path] = describe(path)
        except Exception as error:  # the proxy would not start
            results[path] = {"error": "%s: %s" % (type(error).__name__, error)}
    print(json.dumps(results, indent=1, sort_keys=True))


if __name__ == "__main__":
    main()
