/**
 * Secrets never leave. Config files hold passwords and keys; every output passes through two
 * layers: values of secret-bearing keys and URL passwords are redacted where they are read
 * (model, snippets), and every output string is finally scrubbed of every secret value seen
 * during the run, whatever path it took.
 */
export const REDACTED = "********";

/**
 * Option names whose values are secrets: `password`, `*_password`, `memcache_secret_key`,
 * `secret`, `*_secret`, `token`, `*_token`, `*_key` (but not `*_keyfile`), credentials.
 */
const SECRET_KEY = /(^|[_.-])(pass(word)?|passwd|pwd|secret|secrets|token|credentials?|psk|private[_-]?key|api[_-]?key|access[_-]?key)($|[_.-])|(^|_)key$|_secret_key$|secret_key|fernet/iu;

/** Swift tempauth: `user_<account>_<user> = <key> [.admin …]` — the first word is a password. */
export function isTempauthUser(name: string): boolean {
  return /^user_[^\s]+$/u.test(name.trim()) && name.trim().toLowerCase() !== "user_domain_name" && !/^user_(domain|name|id)/iu.test(name.trim());
}

export function isSecretKey(name: string): boolean {
  const key = name.trim().toLowerCase();
  if (isTempauthUser(name)) return true;
  if (/(file|path|dir|_uri|_url_template|_type|_strategy|_name|_id|_length|_size|_ttl|_expiration|_enabled|_backend|_lifetime|_algorithm)$/u.test(key)) return false;
  if (key === "token_cache_time" || key === "auth_token") return false;
  return SECRET_KEY.test(key);
}

/**
 * `scheme://user:password@host`, and `user:password@host` entries of a server list (start of
 * the text, or after a space or comma: `memcache_servers = admin:pw@10.0.0.1:11211`). Linear:
 * a scheme starts only where a run of scheme characters starts, and a list entry's password
 * stops at the next comma or space (the old pattern took 10 s on 40,000 letters).
 */
const URL_USERINFO = /((?<![a-z0-9+.-])[a-z][a-z0-9+.-]*:\/\/)([^\s:@/,]*):([^\s@/]+)@|(?<![^\s,])([^\s:@/,]*):([^\s@/,]+)@/giu;

/** The password of every userinfo in the text. */
export function urlPasswords(text: string): string[] {
  const found: string[] = [];
  for (const match of text.matchAll(URL_USERINFO)) {
    const password = match[3] ?? match[5];
    if (password) found.push(password);
  }
  return found;
}

export function redactUrlUserinfo(text: string): string {
  return text.replace(URL_USERINFO, (_whole, scheme: string | undefined, user: string | undefined, _password: unknown, listUser: string | undefined) =>
    scheme !== undefined ? `${scheme}${user ?? ""}:${REDACTED}@` : `${listUser ?? ""}:${REDACTED}@`,
  );
}

/** The value as it may be shown for option `name`. */
export function redactValue(name: string, value: string): string {
  if (isSecretKey(name) && value.trim() !== "") return REDACTED;
  return redactUrlUserinfo(value);
}

/**
 * A source line as it may be shown in a report: `key = value` / `key: value` / `KEY="value"` /
 * `Environment=KEY=value` lines with a secret key lose their value; URL passwords are masked.
 */
export function redactLine(line: string): string {
  // Split by hand, not with one regex: `\s*`, a name that may hold spaces and `\s*[=:]` overlap,
  // and `Environment=` followed by 20,000 spaces backtracked for minutes.
  const prefixes = [/^\s*(?:export\s+)?(?:Environment\s*=\s*"?)?/u.exec(line)![0], /^\s*/u.exec(line)![0]];
  for (const prefix of prefixes) {
    const rest = line.slice(prefix.length);
    const separatorAt = rest.search(/[=:]/u);
    if (separatorAt <= 0) continue;
    const name = rest.slice(0, separatorAt).trimEnd();
    if (name === "" || !/^[\w.\-/ ]+$/u.test(name)) continue;
    const afterSeparator = rest.slice(separatorAt + 1);
    const value = afterSeparator.trimStart();
    const separator = rest.slice(name.length, separatorAt + 1) + afterSeparator.slice(0, afterSeparator.length - value.length);
    if (isSecretKey(name.trim().replace(/^set\s+/u, ""))) return `${prefix}${name}${separator}${value.trim() === "" ? "" : REDACTED}`;
    break;
  }
  // Several `key=value` words on one line: Ansible inventory host lines, `Environment=A=1 B=2`.
  const words = line.replace(/(^|[\s"])([\w.-]+)=([^\s"]+)/gu, (whole, before: string, key: string) => (isSecretKey(key) ? `${before}${key}=${REDACTED}` : whole));
  return redactUrlUserinfo(words);
}

/** Collects every secret value seen in the inputs, and scrubs them from any text. */
export class SecretRegistry {
  private readonly secrets = new Set<string>();

  /** Records the value of option `name` if it is a secret, and any URL password in it. */
  noteOption(name: string, value: string): void {
    if (isSecretKey(name)) this.add(value);
    if (isTempauthUser(name)) this.add(value.trim().split(/\s+/u)[0] ?? "");
    for (const password of urlPasswords(value)) this.add(password);
  }

  add(secret: string): void {
    const value = secret.trim().replace(/^(["'])(.*)\1$/su, "$2");
    // Very short values (a "1", "no") would shred ordinary text; they are redacted by key instead.
    if (value.length >= 4) this.secrets.add(value);
  }

  get size(): number {
    return this.secrets.size;
  }

  /** `encode`: the secret as an output format escapes it, scrubbed too. */
  scrub(text: string, encode?: (secret: string) => string): string {
    if (this.secrets.size === 0) return text;
    let out = text;
    // Longest first, so a secret that contains another is replaced whole.
    for (const secret of [...this.secrets].sort((a, b) => b.length - a.length)) {
      if (out.includes(secret)) out = out.split(secret).join(REDACTED);
      const encoded = encode?.(secret);
      if (encoded !== undefined && encoded !== secret && out.includes(encoded)) out = out.split(encoded).join(REDACTED);
      // JSON output escapes some characters; scrub the escaped form too.
      const escaped = JSON.stringify(secret).slice(1, -1);
      if (escaped !== secret && out.includes(escaped)) out = out.split(escaped).join(REDACTED);
    }
    return out;
  }
}

/**
 * A log message as it may be shown: log lines can echo tokens. Header-style values
 * (`X-Auth-Token: …`, `X-Storage-Token`, `X-Subject-Token`, `auth_token=…`), Swift tempauth
 * tokens (`AUTH_tk…`), Fernet tokens (`gAAAAA…`) and PKI tokens (`MII…`) are masked; so is the
 * `{auth_token}` field of an access line when its position is known (Swift logs only a prefix of
 * the token, still too much to print).
 */
const TOKEN_HEADER = /((?:X-Auth-Token|X-Storage-Token|X-Subject-Token|X-Service-Token|auth_token|token)(?:%3A|%3D|["']?\s*[:=]\s*["']?))([^\s"',;&)]+)/giu;
const TOKEN_SHAPES = /\bAUTH_tk[0-9A-Za-z]{4,}|\bgAAAAA[0-9A-Za-z_=-]{16,}|\bMII[0-9A-Za-z+/=]{40,}/gu;

export function redactLogText(text: string, accessTokenField?: number): string {
  let out = text;
  if (accessTokenField !== undefined) {
    const words = out.split(" ");
    // A `proxy-server: ` prefix shifts the fields by one.
    const index = words[0]?.endsWith(":") ? accessTokenField + 1 : accessTokenField;
    if (words[index] !== undefined && words[index] !== "-") {
      words[index] = REDACTED;
      out = words.join(" ");
    }
  }
  return redactUrlUserinfo(out.replace(TOKEN_HEADER, (_whole, name: string) => `${name}${REDACTED}`).replace(TOKEN_SHAPES, REDACTED));
}
