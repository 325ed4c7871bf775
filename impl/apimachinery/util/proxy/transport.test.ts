import test from 'ava';
import { rewriteHTML, rewriteURL, type RewriteContext } from './transport.ts';

const c: RewriteContext = { pathPrepend: '/api/v1/namespaces/ns/pods/web:8080/proxy', targetHost: '198.18.0.5:8080', requestHost: '127.0.0.1:6443' };

const urlCases: Array<[string, string, string]> = [
  ['a root-relative path gets the proxy path', '/rewriteme', '/api/v1/namespaces/ns/pods/web:8080/proxy/rewriteme'],
  ['query and fragment are kept', '/a/b/?x=1#top', '/api/v1/namespaces/ns/pods/web:8080/proxy/a/b/?x=1#top'],
  ['a relative path stays', 'static/x.js', 'static/x.js'],
  ['another host stays', 'http://example.com/x', 'http://example.com/x'],
  ['the proxied host loses scheme and host', 'http://198.18.0.5:8080/x', '/api/v1/namespaces/ns/pods/web:8080/proxy/x'],
  ['a path already under the proxy stays', '/api/v1/namespaces/ns/pods/web:8080/proxy/x', '/api/v1/namespaces/ns/pods/web:8080/proxy/x'],
  ['the root', '/', '/api/v1/namespaces/ns/pods/web:8080/proxy/'],
];
for (const [name, input, want] of urlCases) test(`rewriteURL: ${name}`, (t) => t.is(rewriteURL(input, c), want));

const htmlCases: Array<[string, string, string]> = [
  ['an anchor', '<a href="/rewriteme">test</a>', '<a href="/api/v1/namespaces/ns/pods/web:8080/proxy/rewriteme">test</a>'],
  ['single quotes and other attributes kept', "<img alt=x src='/i.png' class=\"c\">", "<img alt=x src='/api/v1/namespaces/ns/pods/web:8080/proxy/i.png' class=\"c\">"],
  ['an unquoted value', '<script src=/app.js></script>', '<script src="/api/v1/namespaces/ns/pods/web:8080/proxy/app.js"></script>'],
  ['attributes that are not URLs stay', '<a title="/not-a-link" href="rel">x</a>', '<a title="/not-a-link" href="rel">x</a>'],
  ['text and unknown elements stay', '<p data-x="/y">/z</p>', '<p data-x="/y">/z</p>'],
];
for (const [name, input, want] of htmlCases) test(`rewriteHTML: ${name}`, (t) => t.is(rewriteHTML(input, c), want));
