// Deterministic synthetic support bundle: several proxies, each with a syslog text log, a
// journald JSON export and a docker json-file log; realistic 2xx traffic, rare 503 bursts with
// memcache errors (Swift 2.30.1 wording, REFERENCE-openstack.md §1.5a), and an occasional 401.
import { createWriteStream, mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";

function mulberry32(seed) {
  return () => {
    seed |= 0;
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const pad = (n, w = 2) => String(n).padStart(w, "0");
const METHODS = ["GET", "GET", "GET", "HEAD", "PUT", "GET", "DELETE"];
const SERVERS = ["192.0.2.11:11211", "192.0.2.12:11211", "192.0.2.13:11211"];

function proxyConf() {
  return `[pipeline:main]\npipeline = catch_errors proxy-logging cache tempauth proxy-logging proxy-server\n\n[filter:catch_errors]\nuse = egg:swift#catch_errors\n\n[filter:proxy-logging]\nuse = egg:swift#proxy_logging\n\n[filter:cache]\nuse = egg:swift#memcache\nmemcache_servers = ${SERVERS.join(",")}\n\n[filter:tempauth]\nuse = egg:swift#tempauth\n\n[app:proxy-server]\nuse = egg:swift#proxy\n`;
}

/** Writes `bytesPerFile` of each format for each proxy under `root`. Returns the total bytes. */
export async function generateBundle(root, { proxies = 4, bytesPerFile, seed = 20240501 }) {
  let total = 0;
  const start = Date.UTC(2024, 4, 1, 0, 0, 0);
  for (let p = 1; p <= proxies; p++) {
    const host = `proxy${p}`;
    const hostRoot = path.join(root, host);
    mkdirSync(path.join(hostRoot, "etc/swift"), { recursive: true });
    writeFileSync(path.join(hostRoot, "etc/swift/proxy-server.conf"), proxyConf());
    writeFileSync(path.join(hostRoot, "etc/hostname"), `${host}\n`);
    writeFileSync(path.join(hostRoot, "date"), "Thu May  2 00:00:00 UTC 2024\n");
    const id = `${pad(p, 4)}${"c0ffee".repeat(10)}`;
    const files = {
      syslog: path.join(hostRoot, "var/log/swift/proxy.log"),
      journal: path.join(hostRoot, "sos_commands/logs/journal.json"),
      docker: path.join(hostRoot, `var/lib/docker/containers/${id}/${id}-json.log`),
    };
    for (const file of Object.values(files)) mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(path.join(path.dirname(files.docker), "config.v2.json"), JSON.stringify({ Name: "/swift_proxy_server" }));
    for (const [format, file] of Object.entries(files)) total += await writeLog(file, format, host, bytesPerFile, start, mulberry32(seed + p * 7 + format.length));
  }
  return total;
}

function writeLog(file, format, host, bytes, start, random) {
  return new Promise((resolve, reject) => {
    const out = createWriteStream(file);
    out.on("error", reject);
    let written = 0;
    let t = start + (format === "docker" ? 137 : 0);
    let txn = 0;
    let burst = 0;
    const line = (message, when) => {
      const d = new Date(when);
      if (format === "syslog") return `${MONTHS[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, " ")} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} ${host} proxy-server: ${message}\n`;
      if (format === "journal") return `{"__REALTIME_TIMESTAMP":"${when * 1000}","_HOSTNAME":"${host}","SYSLOG_IDENTIFIER":"proxy-server","PRIORITY":"6","_PID":"2817","_SYSTEMD_UNIT":"swift-proxy.service","MESSAGE":${JSON.stringify(message)}}\n`;
      return `{"log":${JSON.stringify(`proxy-server: ${message}\n`)},"stream":"stdout","time":"${d.toISOString().replace("Z", "000000Z")}"}\n`;
    };
    const write = () => {
      let chunk = "";
      while (chunk.length < 4 * 1024 * 1024 && written + chunk.length < bytes) {
        t += Math.floor(random() * 40);
        txn++;
        const txnId = `tx${txn.toString(16).padStart(21, "0")}-${Math.floor(t / 1000).toString(16)}`;
        const d = new Date(t);
        const stamp = `${pad(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}/${pad(d.getUTCHours())}/${pad(d.getUTCMinutes())}/${pad(d.getUTCSeconds())}`;
        if (burst === 0 && random() < 0.00002) burst = 20 + Math.floor(random() * 60);
        let status = random() < 0.002 ? 401 : random() < 0.1 ? 201 : random() < 0.05 ? 204 : 200;
        if (burst > 0) {
          burst--;
          const server = SERVERS[Math.floor(random() * SERVERS.length)];
          chunk += line(`Error connecting to memcached: ${server}: [Errno 111] ECONNREFUSED (txn: ${txnId}) (client_ip: 198.51.100.7)`, t);
          if (random() < 0.5) status = 503;
        } else if (random() < 0.00005) {
          chunk += line(`Timeout connecting to memcached: ${SERVERS[0]} (txn: ${txnId})`, t);
        }
        const method = METHODS[Math.floor(random() * METHODS.length)];
        const objectPath = `/v1/AUTH_test/bench-${Math.floor(random() * 100)}/obj-${Math.floor(random() * 1e6)}`;
        const access = `198.51.100.7 198.51.100.7 ${stamp} ${method} ${status === 503 ? "/auth/v1.0" : objectPath} HTTP/1.0 ${status} - python-swiftclient-4.4.0 AUTH_tk${txn.toString(16).padStart(8, "0")}... ${Math.floor(random() * 4096)} ${Math.floor(random() * 65536)} - ${txnId} - ${(random() / 10).toFixed(4)} - - ${(t / 1000).toFixed(9)} ${(t / 1000 + 0.01).toFixed(9)} 0`;
        chunk += line(access, t);
      }
      written += chunk.length;
      if (chunk.length === 0) return out.end(() => resolve(written));
      if (out.write(chunk)) setImmediate(write);
      else out.once("drain", write);
    };
    write();
  });
}
