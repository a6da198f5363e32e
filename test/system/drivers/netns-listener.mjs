// Run inside the server namespace: a TCP listener on every port given, which accepts and closes.
// Prints "ready" once all ports listen. Used by test/system/firewall-kernel.test.ts.
import net from "node:net";

const ports = process.argv.slice(2).map(Number);
let listening = 0;
for (const port of ports) {
  const server = net.createServer((socket) => socket.destroy());
  server.on("error", (error) => {
    process.stderr.write(`listen ${port}: ${error.message}\n`);
    process.exit(1);
  });
  // "::" without ipv6Only: one dual-stack socket per port serves IPv4 and IPv6 clients.
  server.listen({ port, host: "::", backlog: 1024 }, () => {
    if (++listening === ports.length) process.stdout.write("ready\n");
  });
}
// The lab ends this process; stdin closing (the parent died) ends it too.
process.stdin.on("end", () => process.exit(0));
process.stdin.resume();
