import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { gzipSync } from "node:zlib";

/** A member for crafted archives; `type` is tar's type flag ("0" file, "1" hard link, "2" symlink, "3" char device, "5" folder, "6" FIFO). */
export interface TarMember {
  readonly name: string;
  readonly type?: "0" | "1" | "2" | "3" | "4" | "5" | "6" | "L";
  readonly data?: string | Buffer;
  readonly linkName?: string;
}

/**
 * A minimal ustar writer for tests: names over 100 bytes get a pax `path` record, so hostile
 * names (absolute, `..`) are written exactly as given. No checks: it must be able to write
 * archives a real tar would refuse.
 */
export function tarBytes(members: readonly TarMember[], options: { endMarker?: boolean } = {}): Buffer {
  const blocks: Buffer[] = [];
  for (const member of members) {
    const data = member.data === undefined ? Buffer.alloc(0) : Buffer.isBuffer(member.data) ? member.data : Buffer.from(member.data, "utf8");
    if (Buffer.byteLength(member.name) > 100) {
      const record = paxRecord("path", member.name);
      blocks.push(header({ name: "PaxHeader", type: "x", size: record.length }), pad(record));
    }
    blocks.push(header({ name: member.name.slice(0, 100), type: member.type ?? "0", size: data.length, linkName: member.linkName ?? "" }), pad(data));
  }
  if (options.endMarker !== false) blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}

/** A folder as tar members under `prefix`, files in sorted order (what `tar -C parent -cf - name` holds). */
export function folderMembers(root: string, prefix: string): TarMember[] {
  const names = readdirSync(root, { recursive: true, encoding: "utf8" }).sort();
  return names.filter((n) => statSync(path.join(root, n)).isFile()).map((n) => ({ name: `${prefix}/${n.split(path.sep).join("/")}`, data: readFileSync(path.join(root, n)) }));
}

export function tarGzBytes(members: readonly TarMember[], options: { endMarker?: boolean } = {}): Buffer {
  return gzipSync(tarBytes(members, options));
}

function header(h: { name: string; type: string; size: number; linkName?: string }): Buffer {
  const block = Buffer.alloc(512);
  block.write(h.name, 0, 100, "utf8");
  block.write("0000644\0", 100, "latin1");
  block.write("0000000\0", 108, "latin1");
  block.write("0000000\0", 116, "latin1");
  block.write(`${h.size.toString(8).padStart(11, "0")}\0`, 124, "latin1");
  block.write("14000000000\0", 136, "latin1");
  block.write("        ", 148, "latin1");
  block.write(h.type, 156, "latin1");
  block.write(h.linkName ?? "", 157, 100, "utf8");
  block.write("ustar\0", 257, "latin1");
  block.write("00", 263, "latin1");
  let sum = 0;
  for (const byte of block) sum += byte;
  block.write(`${sum.toString(8).padStart(6, "0")}\0 `, 148, "latin1");
  return block;
}

function pad(data: Buffer): Buffer {
  const rest = (512 - (data.length % 512)) % 512;
  return rest === 0 ? data : Buffer.concat([data, Buffer.alloc(rest)]);
}

function paxRecord(key: string, value: string): Buffer {
  const body = ` ${key}=${value}\n`;
  let length = Buffer.byteLength(body) + 1;
  while (String(length).length + Buffer.byteLength(body) !== length) length = String(length).length + Buffer.byteLength(body);
  return Buffer.from(`${length}${body}`, "utf8");
}
