/**
 * Link rewriting for proxied HTML (upstream k8s.io/apimachinery/pkg/util/proxy/transport.go):
 * a page served behind `.../pods/NAME/proxy/` links to `/static/x` meaning its own root, so
 * root-relative URLs (and absolute ones naming the proxied host) in the URL attributes of HTML
 * start tags, and in a `Location` header, get the proxy path prepended. Only the attribute values
 * change; the rest of the document is passed through byte for byte.
 */

/** URL_ATTRIBUTES are the attributes holding URLs, per element (upstream atomsToAttrs). */
const URL_ATTRIBUTES: Readonly<Record<string, readonly string[]>> = {
  a: ['href'],
  applet: ['codebase'],
  area: ['href'],
  audio: ['src'],
  base: ['href'],
  blockquote: ['cite'],
  body: ['background'],
  button: ['formaction'],
  command: ['icon'],
  del: ['cite'],
  embed: ['src'],
  form: ['action'],
  frame: ['longdesc', 'src'],
  head: ['profile'],
  html: ['manifest'],
  iframe: ['longdesc', 'src'],
  img: ['longdesc', 'src', 'usemap'],
  input: ['src', 'usemap', 'formaction'],
  ins: ['cite'],
  link: ['href'],
  object: ['classid', 'codebase', 'data', 'usemap'],
  q: ['cite'],
  script: ['src'],
  source: ['src'],
  video: ['poster', 'src'],
};

/** RewriteContext says what a URL in a proxied answer is rewritten against. */
export interface RewriteContext {
  /** The proxy path to prepend, e.g. `/api/v1/namespaces/ns/pods/web/proxy` (no trailing slash). */
  pathPrepend: string;
  /** `host:port` the request was proxied to, and the Host the client asked the apiserver for. */
  targetHost: string;
  requestHost: string;
}

/**
 * rewriteURL is upstream Transport.rewriteURL with an empty scheme and host: relative URLs and
 * URLs to other hosts stay; root-relative ones (and absolute ones to the proxied or requested
 * host, which lose scheme and host) get `pathPrepend` unless they already start with it.
 */
export function rewriteURL(target: string, c: RewriteContext): string {
  let url: URL;
  try {
    url = new URL(target, 'http://placeholder.invalid');
  } catch {
    return target;
  }
  const absolute = /^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith('//');
  const host = absolute ? url.host : '';
  if (host !== '' && host !== c.targetHost && host !== c.requestHost) return target;
  if (!absolute && !target.startsWith('/')) return target;
  const rest = `${url.search}${url.hash}`;
  if (url.pathname.startsWith(c.pathPrepend)) return `${url.pathname}${rest}`;
  const joined = `${c.pathPrepend}/${url.pathname.replace(/^\/+/, '')}`.replace(/\/{2,}/g, '/');
  return `${joined}${rest}`;
}

const START_TAG = /<([a-zA-Z][a-zA-Z0-9]*)(\s[^<>]*?)?(\/?)>/g;
const ATTRIBUTE = /([^\s"'<>/=]+)(\s*=\s*)("([^"]*)"|'([^']*)'|([^\s"'=<>`]+))/g;

/** rewriteHTML rewrites the URL attributes of every start tag in `html` (see the module header). */
export function rewriteHTML(html: string, c: RewriteContext): string {
  return html.replace(START_TAG, (tag: string, name: string, attrs: string | undefined, selfClose: string) => {
    const wanted = URL_ATTRIBUTES[name.toLowerCase()];
    if (!wanted || !attrs) return tag;
    const rewritten = attrs.replace(ATTRIBUTE, (attr: string, key: string, eq: string, _quoted: string, dq?: string, sq?: string, bare?: string) => {
      if (!wanted.includes(key.toLowerCase())) return attr;
      const value = dq ?? sq ?? bare ?? '';
      const next = rewriteURL(value, c);
      if (next === value) return attr;
      const quote = dq !== undefined ? '"' : sq !== undefined ? "'" : '"';
      return `${key}${eq}${quote}${next}${quote}`;
    });
    return `<${name}${rewritten}${selfClose}>`;
  });
}
