/**
 * --webhook-allow: which hosts a per-call `webhook_url` may name. A pattern
 * is a host name (`hooks.example.com`), a wildcard for its subdomains
 * (`*.example.com`: any depth, not example.com itself), an IPv4 address or a
 * bracketed IPv6 address, each optionally with `:port` (without a port, any
 * port matches). Hosts are compared as WHATWG URL parsing normalizes them
 * (lower case, punycode, `2130706433` → `127.0.0.1`), so a URL cannot slip
 * past a pattern by spelling its host differently. A name is matched as
 * written, not resolved: the allow-list trusts the DNS of the names it lists.
 */

export interface WebhookAllowRule {
  /** Normalized host (IPv6 with brackets); for a wildcard, the part after `*.`. */
  readonly host: string;
  readonly wildcard: boolean;
  /** null: any port. */
  readonly port: number | null;
}

/** Host and port of `http://<text>/`, as a URL would see them; null when it is not a bare host[:port]. */
function hostPort(text: string): { host: string; port: number | null } | null {
  if (text === '' || /[/?#@\s\\]/.test(text)) return null;
  let url: URL;
  try {
    url = new URL(`http://${text}/`);
  } catch {
    return null;
  }
  if (url.hostname === '' || url.username !== '' || url.password !== '') return null;
  // An explicit :80 is normalized away by URL; keep it as the pattern says.
  const explicit = /:(\d+)$/.exec(text);
  const port = explicit === null ? null : Number(explicit[1]);
  if (port !== null && (port < 1 || port > 65535)) return null;
  return { host: url.hostname, port };
}

/** Parse a comma-separated list; throws an Error naming the first bad pattern. */
export function parseWebhookAllow(value: string): WebhookAllowRule[] {
  const rules: WebhookAllowRule[] = [];
  for (const raw of value.split(',')) {
    const pattern = raw.trim();
    if (pattern === '') throw new Error(`an empty pattern in "${value}"`);
    const wildcard = pattern.startsWith('*.');
    const parsed = hostPort(wildcard ? pattern.slice(2) : pattern);
    if (parsed === null || parsed.host.includes('*') || (wildcard && parsed.host.startsWith('['))) {
      throw new Error(`"${pattern}" is not a host pattern (hooks.example.com, *.example.com, 127.0.0.1 or [::1], optionally with :port)`);
    }
    rules.push({ host: parsed.host, wildcard, port: parsed.port });
  }
  return rules;
}

function defaultPort(url: URL): number {
  return url.protocol === 'https:' ? 443 : 80;
}

/** Whether the URL's host (and port) matches one of the rules. */
export function isWebhookUrlAllowed(url: URL, rules: readonly WebhookAllowRule[]): boolean {
  const host = url.hostname.replace(/\.$/, '');
  const port = url.port === '' ? defaultPort(url) : Number(url.port);
  return rules.some((rule) => {
    if (rule.port !== null && rule.port !== port) return false;
    return rule.wildcard ? host.endsWith(`.${rule.host}`) : host === rule.host;
  });
}
