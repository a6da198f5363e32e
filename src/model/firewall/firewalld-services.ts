import { parseCidr } from "./addresses.js";
import type { FirewalldService } from "./ruleset.js";

/**
 * firewalld service definitions the evaluator knows without the host's
 * `/usr/lib/firewalld/services/*.xml`. Only services checked against firewalld's own
 * `config/services/<name>.xml` (github.com/firewalld/firewalld) are listed; a zone that names any
 * other service evaluates to "unknown" unless the inputs carry its definition.
 *
 * memcache: `<port protocol="tcp" port="11211"/>` (later versions add the same port over UDP);
 * memcached: `<port protocol="tcp" port="11211"/>`. dhcpv6-client is limited to the fe80::/64
 * destination; smtp-submission only includes submission.
 */
const TABLE: readonly [name: string, ports: readonly [number, string][], destinations?: readonly string[], includes?: readonly string[]][] = [
  ["ssh", [[22, "tcp"]]],
  ["http", [[80, "tcp"]]],
  ["https", [[443, "tcp"]]],
  ["dhcpv6-client", [[546, "udp"]], ["fe80::/64"]],
  ["smtp", [[25, "tcp"]]],
  ["submission", [[587, "tcp"]]],
  ["smtp-submission", [], [], ["submission"]],
  ["ftp", [[21, "tcp"]]],
  ["imaps", [[993, "tcp"]]],
  ["pop3s", [[995, "tcp"]]],
  // Debian firewalld 1.3.3-1~deb12u2 /usr/lib/firewalld/services/cockpit.xml: `<port protocol="tcp" port="9090"/>`.
  ["cockpit", [[9090, "tcp"]]],
  ["memcache", [[11211, "tcp"]]],
  ["memcached", [[11211, "tcp"]]],
];

export const BUILT_IN_FIREWALLD_SERVICES: ReadonlyMap<string, FirewalldService> = new Map(
  TABLE.map(([name, ports, destinations = [], includes = []]) => [
    name,
    {
      name,
      ports: ports.map(([port, protocol]) => ({ ports: { first: port, last: port }, protocol })),
      protocols: [],
      destinations: destinations.map((d) => parseCidr(d)!),
      includes,
      origin: "built-in",
    } satisfies FirewalldService,
  ]),
);
