#!/usr/bin/env node
// agnhost: the kubets conformance test host (the role of upstream's test/images/agnhost), a
// self-contained Node.js program (node: modules only) with agnhost's subcommands and flag names:
//
//   agnhost webhook --tls-cert-file F --tls-private-key-file F [--port 443] [--sidecar-image I]
//       HTTPS AdmissionReview server (admission.k8s.io/v1 and v1beta1) with upstream's handlers.
//   agnhost crd-conversion-webhook --tls-cert-file F --tls-private-key-file F [--port 443]
//       HTTPS ConversionReview server (apiextensions.k8s.io/v1 and v1beta1) on /crdconvert with
//       upstream's example converter (stable.example.com/v1 hostPort <-> v2 host + port).
//   agnhost netexec [--http-port 8080] [--udp-port 8081]
//       HTTP /hostname (/hostName) /echo?msg= /shell?cmd= /exit?code= /dial?request=&host=&port=&protocol=&tries=
//       /healthz /readyz; UDP echo (hostname / echo MSG).
//   agnhost porter [--cert-file F --key-file F] [--json-response]
//       for each SERVE_PORT_<n>=<text> (SERVE_TLS_PORT_<n>: HTTPS) answers <text> on port n.
//   agnhost serve-hostname [--port 9376] [--http] [--tcp] [--udp] [--close]
//       answers the host name.
//   agnhost pause      sleeps until SIGTERM/SIGINT.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import dgram from 'node:dgram';
import net from 'node:net';
import os from 'node:os';

/**
 * parseFlags reads `--name value` and `--name=value` pairs; a flag whose default is a boolean
 * also takes the bare form `--name` (true) and `--name=false`.
 */
function parseFlags(args, defaults) {
  const out = { ...defaults };
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (!a.startsWith('--')) throw new Error(`unexpected argument ${JSON.stringify(a)}`);
    const eq = a.indexOf('=');
    const name = eq >= 0 ? a.slice(2, eq) : a.slice(2);
    if (!(name in defaults)) throw new Error(`unknown flag: --${name}`);
    if (typeof defaults[name] === 'boolean') out[name] = eq >= 0 ? a.slice(eq + 1) !== 'false' : true;
    else out[name] = eq >= 0 ? a.slice(eq + 1) : args[++i];
  }
  return out;
}

const log = (...parts) => process.stderr.write(`${new Date().toISOString()} ${parts.join(' ')}\n`);

// ---- webhook ---------------------------------------------------------------------------------

const jsonPatch = (ops) => Buffer.from(JSON.stringify(ops)).toString('base64');
const allow = () => ({ allowed: true });
const patched = (ops) => ({ allowed: true, patchType: 'JSONPatch', patch: jsonPatch(ops) });
const errorResponse = (msg) => ({ allowed: false, status: { message: msg } });
const gvrIs = (req, group, version, resource) =>
  req.resource?.group === group && req.resource?.version === version && req.resource?.resource === resource;
const objectOf = (req) => (req.operation === 'DELETE' ? req.oldObject : req.object) ?? {};
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** webhookHandlers maps each path to an admit function (request -> response). */
export function webhookHandlers(opts = {}) {
  const dataRule = (what, createMsg, deleteMsg) => (req) => {
    const obj = objectOf(req);
    const resp = { allowed: true };
    for (const [k, v] of Object.entries(obj.data ?? {})) {
      if (k !== 'webhook-e2e-test') continue;
      if (v === 'webhook-disallow' && (req.operation === 'CREATE' || req.operation === 'UPDATE')) {
        resp.allowed = false;
        resp.status = { reason: createMsg };
      }
      if (v === 'webhook-nondeletable' && req.operation === 'DELETE') {
        resp.allowed = false;
        resp.status = { reason: deleteMsg };
      }
    }
    return resp;
  };
  const stagedMutation = (req) => {
    const data = req.object?.data ?? {};
    let ops;
    if (data['mutation-start'] === 'yes') ops = [{ op: 'add', path: '/data/mutation-stage-1', value: 'yes' }];
    if (data['mutation-stage-1'] === 'yes') ops = [{ op: 'add', path: '/data/mutation-stage-2', value: 'yes' }];
    return ops ? patched(ops) : allow();
  };
  const podPatch = (req, should, ops) => {
    if (!gvrIs(req, '', 'v1', 'pods')) return errorResponse('expect resource to be { v1 pods}');
    const pod = req.object ?? {};
    return should(pod) ? patched(ops) : allow();
  };
  const hasContainer = (list, name) => (list ?? []).some((c) => c.name === name);
  const configmapsOnly = (fn) => (req) => (gvrIs(req, '', 'v1', 'configmaps') ? fn(req) : errorResponse('expect resource to be { v1 configmaps}'));
  return {
    '/always-allow-delay-5s': async () => {
      await sleep(5000);
      return allow();
    },
    '/always-deny': () => ({ allowed: false, status: { message: 'this webhook denies all requests' } }),
    '/add-label': (req) => {
      const labels = req.object?.metadata?.labels ?? {};
      if (Object.keys(labels).length === 0) return patched([{ op: 'add', path: '/metadata/labels', value: { 'added-label': 'yes' } }]);
      if (!('added-label' in labels)) return patched([{ op: 'add', path: '/metadata/labels/added-label', value: 'yes' }]);
      if (labels['added-label'] !== 'yes') return patched([{ op: 'replace', path: '/metadata/labels/added-label', value: 'yes' }]);
      return allow();
    },
    '/pods': async (req) => {
      if (!gvrIs(req, '', 'v1', 'pods')) return errorResponse('expect resource to be { v1 pods}');
      const pod = req.object ?? {};
      let ok = true;
      let msg = '';
      const label = pod.metadata?.labels?.['webhook-e2e-test'];
      if (label === 'webhook-disallow') {
        ok = false;
        msg += 'the pod contains unwanted label; ';
      }
      if (label === 'wait-forever') await new Promise(() => {}); // never answers
      for (const c of pod.spec?.containers ?? []) {
        if (String(c.name).includes('webhook-disallow')) {
          ok = false;
          msg += 'the pod contains unwanted container name; ';
        }
      }
      return ok ? allow() : { allowed: false, status: { message: msg.trim() } };
    },
    '/pods/attach': (req) => {
      if (req.name !== 'to-be-attached-pod') return allow();
      if (!gvrIs(req, '', 'v1', 'pods')) return errorResponse(`expect resource to be { v1 pods}, got ${JSON.stringify(req.resource)}`);
      if (req.subResource !== 'attach') return errorResponse(`expect subresource to be attach, got ${req.subResource}`);
      const o = req.object ?? {};
      if (!o.stdin || o.container !== 'container1') return allow();
      return { allowed: false, status: { message: "attaching to pod 'to-be-attached-pod' is not allowed" } };
    },
    '/mutating-pods': (req) =>
      podPatch(req, (pod) => pod.metadata?.name === 'webhook-to-be-mutated' && !hasContainer(pod.spec?.initContainers, 'webhook-added-init-container'), [
        { op: 'add', path: '/spec/initContainers', value: [{ image: 'webhook-added-image', name: 'webhook-added-init-container', resources: {} }] },
      ]),
    '/mutating-pods-sidecar': (req) => {
      if (!opts.sidecarImage) return { allowed: false, status: { status: 'Failure', message: 'No image specified by the sidecar-image parameter', code: 500 } };
      return podPatch(req, (pod) => !hasContainer(pod.spec?.containers, 'webhook-added-sidecar'), [
        { op: 'add', path: '/spec/containers/-', value: { image: opts.sidecarImage, name: 'webhook-added-sidecar', resources: {} } },
      ]);
    },
    '/configmaps': configmapsOnly(dataRule('configmap', 'the configmap contains unwanted key and value', 'the configmap cannot be deleted because it contains unwanted key and value')),
    '/mutating-configmaps': configmapsOnly(stagedMutation),
    '/custom-resource': dataRule('custom resource', 'the custom resource contains unwanted data', 'the custom resource cannot be deleted because it contains unwanted key and value'),
    '/mutating-custom-resource': stagedMutation,
    '/crd': (req) => {
      const g = 'apiextensions.k8s.io';
      if (!gvrIs(req, g, 'v1', 'customresourcedefinitions') && !gvrIs(req, g, 'v1beta1', 'customresourcedefinitions')) {
        return errorResponse(`expect resource to be one of [${g}/v1beta1, Resource=customresourcedefinitions ${g}/v1, Resource=customresourcedefinitions] but got ${JSON.stringify(req.resource)}`);
      }
      if (req.object?.metadata?.labels?.['webhook-e2e-test'] === 'webhook-disallow') return { allowed: false, status: { message: 'the crd contains unwanted label' } };
      return allow();
    },
  };
}

/** serveReview decodes an AdmissionReview, runs `admit` and writes the answering review. */
async function serveReview(req, res, admit) {
  const chunks = [];
  for await (const c of req) chunks.push(c);
  if (req.headers['content-type'] !== 'application/json') {
    log(`contentType=${req.headers['content-type']}, expect application/json`);
    res.end();
    return;
  }
  let review;
  try {
    review = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch (err) {
    res.writeHead(400, { 'Content-Type': 'text/plain' }).end(`Request could not be decoded: ${err.message}\n`);
    return;
  }
  const gv = review.apiVersion;
  if (review.kind !== 'AdmissionReview' || (gv !== 'admission.k8s.io/v1' && gv !== 'admission.k8s.io/v1beta1') || !review.request) {
    res.writeHead(400, { 'Content-Type': 'text/plain' }).end(`Unsupported group version kind: ${gv}, Kind=${review.kind}\n`);
    return;
  }
  const response = { uid: review.request.uid, ...(await admit(review.request)) };
  log(`${req.url} ${review.request.operation} ${review.request.resource?.resource} ${review.request.namespace ?? ''}/${review.request.name ?? ''} allowed=${response.allowed}`);
  res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ apiVersion: gv, kind: 'AdmissionReview', response }));
}

/** serveTLS starts the HTTPS server of `webhook` and `crd-conversion-webhook` over `routes`. */
function serveTLS(name, f, routes) {
  if (!f['tls-cert-file'] || !f['tls-private-key-file']) throw new Error('--tls-cert-file and --tls-private-key-file are required');
  const server = https.createServer({ cert: readFileSync(f['tls-cert-file']), key: readFileSync(f['tls-private-key-file']) }, (req, res) => {
    const path = new URL(req.url ?? '/', 'https://x').pathname;
    if (path === '/readyz' || path === '/healthz') return void res.end('ok');
    const route = routes[path];
    if (!route) return void res.writeHead(404).end('404 page not found\n');
    route(req, res).catch((err) => {
      log(`${path}: ${err.stack ?? err}`);
      if (!res.headersSent) res.writeHead(500).end(String(err));
    });
  });
  server.listen(Number(f.port), () => log(`${name}: serving HTTPS on :${f.port}`));
  return server;
}

function webhook(args) {
  const f = parseFlags(args, { 'tls-cert-file': '', 'tls-private-key-file': '', port: '443', 'sidecar-image': '' });
  const handlers = webhookHandlers({ sidecarImage: f['sidecar-image'] });
  const routes = Object.fromEntries(Object.entries(handlers).map(([path, admit]) => [path, (req, res) => serveReview(req, res, admit)]));
  return serveTLS('webhook', f, routes);
}

// ---- crd-conversion-webhook ------------------------------------------------------------------

const failure = (message) => ({ status: 'Failure', message });

/**
 * convertExample converts between stable.example.com/v1 (`hostPort: "host:port"`) and
 * stable.example.com/v2 (`host`, `port`), like upstream's example converter. Returns the
 * converted object or a Failure status.
 */
export function convertExample(obj, toVersion) {
  const from = obj.apiVersion;
  if (from === toVersion) return { status: failure(`conversion from a version to itself should not call the webhook: ${toVersion}`) };
  const out = structuredClone(obj);
  if (from === 'stable.example.com/v1') {
    if (toVersion !== 'stable.example.com/v2') return { status: failure(`unexpected conversion version "${toVersion}"`) };
    if ('hostPort' in out) {
      const parts = String(out.hostPort).split(':');
      if (parts.length !== 2) return { status: failure(`invalid hostPort value \`${out.hostPort}\``) };
      delete out.hostPort;
      out.host = parts[0];
      out.port = parts[1];
    }
  } else if (from === 'stable.example.com/v2') {
    if (toVersion !== 'stable.example.com/v1') return { status: failure(`unexpected conversion version "${toVersion}"`) };
    if ('host' in out || 'port' in out) {
      out.hostPort = `${out.host ?? ''}:${out.port ?? ''}`;
      delete out.host;
      delete out.port;
    }
  } else {
    return { status: failure(`unexpected conversion version "${from}"`) };
  }
  out.apiVersion = toVersion;
  return { object: out };
}

/** conversionResponse converts every object of a ConversionRequest, failing as a whole. */
export function conversionResponse(request) {
  const convertedObjects = [];
  for (const obj of request.objects ?? []) {
    const r = convertExample(obj, request.desiredAPIVersion);
    if (r.status) return { uid: request.uid, result: r.status };
    convertedObjects.push(r.object);
  }
  return { uid: request.uid, convertedObjects, result: { status: 'Success' } };
}

async function serveConversion(req, res) {
  const chunks = [];
  for await (const c of req) chunks.push(c);
  const type = String(req.headers['content-type'] ?? '').split(';')[0].trim();
  if (type !== 'application/json') {
    res.writeHead(400, { 'Content-Type': 'text/plain' }).end(`invalid Content-Type header \`${req.headers['content-type'] ?? ''}\`\n`);
    return;
  }
  let review;
  try {
    review = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch (err) {
    res.writeHead(400, { 'Content-Type': 'text/plain' }).end(`failed to deserialize body with error ${err.message}\n`);
    return;
  }
  const gv = review.apiVersion;
  if (review.kind !== 'ConversionReview' || (gv !== 'apiextensions.k8s.io/v1' && gv !== 'apiextensions.k8s.io/v1beta1') || !review.request) {
    res.writeHead(400, { 'Content-Type': 'text/plain' }).end(`Unsupported group version kind: ${gv}, Kind=${review.kind}\n`);
    return;
  }
  const response = conversionResponse(review.request);
  log(`/crdconvert ${review.request.objects?.length ?? 0} object(s) to ${review.request.desiredAPIVersion}: ${response.result.status}`);
  res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ apiVersion: gv, kind: 'ConversionReview', response }));
}

function crdConversionWebhook(args) {
  const f = parseFlags(args, { 'tls-cert-file': '', 'tls-private-key-file': '', port: '443' });
  return serveTLS('crd-conversion-webhook', f, { '/crdconvert': serveConversion });
}

// ---- netexec ---------------------------------------------------------------------------------

function httpGet(url, timeoutMs) {
  return new Promise((resolve, reject) => {
    const r = http.get(url, { timeout: timeoutMs }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    });
    r.on('timeout', () => r.destroy(new Error('timeout')));
    r.on('error', reject);
  });
}

function udpAsk(host, port, msg, timeoutMs) {
  return new Promise((resolve, reject) => {
    const s = dgram.createSocket(host.includes(':') ? 'udp6' : 'udp4');
    const t = setTimeout(() => {
      s.close();
      reject(new Error('timeout'));
    }, timeoutMs);
    s.on('message', (m) => {
      clearTimeout(t);
      s.close();
      resolve(m.toString('utf8').trim());
    });
    s.send(msg, Number(port), host);
  });
}

function netexec(args) {
  const f = parseFlags(args, { 'http-port': '8080', 'udp-port': '8081', 'sctp-port': '-1' });
  const hostname = os.hostname();
  const send = (res, code, body, type = 'text/plain') => res.writeHead(code, { 'Content-Type': type }).end(body);
  const server = http.createServer(async (req, res) => {
    const u = new URL(req.url ?? '/', 'http://x');
    const q = (k) => u.searchParams.get(k) ?? '';
    switch (u.pathname) {
      case '/':
      case '/clientip':
        return send(res, 200, u.pathname === '/' ? `NOW: ${new Date().toISOString()}` : `${req.socket.remoteAddress}:${req.socket.remotePort}`);
      case '/hostname':
      case '/hostName':
        return send(res, 200, hostname);
      case '/healthz':
      case '/readyz':
        return send(res, 200, 'ok');
      case '/echo':
        return send(res, 200, q('msg'));
      case '/exit': {
        const code = Number(q('code') || '0');
        send(res, 200, '');
        return void setTimeout(() => process.exit(code), 10);
      }
      case '/shell': {
        execFile('/bin/sh', ['-c', q('cmd')], (err, stdout, stderr) => {
          const out = { output: stdout + stderr };
          if (err) out.error = String(err.message);
          send(res, 200, JSON.stringify(out), 'application/json');
        });
        return;
      }
      case '/dial': {
        const tries = Number(q('tries') || '1');
        const responses = [];
        const errors = [];
        for (let i = 0; i < tries; i++) {
          try {
            const host = q('host').includes(':') ? `[${q('host')}]` : q('host');
            if ((q('protocol') || 'http') === 'udp') responses.push(await udpAsk(q('host'), q('port'), q('request'), 1000));
            else responses.push(await httpGet(`http://${host}:${q('port')}/${q('request').replace(/^\//, '')}`, 5000));
          } catch (err) {
            errors.push(String(err.message));
          }
        }
        return send(res, 200, JSON.stringify({ responses, errors }), 'application/json');
      }
      default:
        return send(res, 404, '404 page not found\n');
    }
  });
  server.listen(Number(f['http-port']), () => log(`netexec: HTTP on :${f['http-port']}`));
  if (Number(f['udp-port']) > 0) {
    const udp = dgram.createSocket('udp4');
    udp.on('message', (m, rinfo) => {
      const text = m.toString('utf8').trim();
      let answer = '';
      if (text === 'hostname') answer = hostname;
      else if (text.startsWith('echo ')) answer = text.slice(5);
      else if (text === 'clientip') answer = `${rinfo.address}:${rinfo.port}`;
      udp.send(`${answer}\n`, rinfo.port, rinfo.address);
    });
    udp.bind(Number(f['udp-port']));
  }
  return server;
}

// ---- porter, serve-hostname ------------------------------------------------------------------

/** sniffContentType is the gist of Go's http.DetectContentType for text: markup is HTML, the rest plain text. */
function sniffContentType(body) {
  return /^\s*<(!doctype html|html|head|script|iframe|h1|div|font|table|a|style|title|b|body|br|p|!--)[\s>]/i.test(body) ? 'text/html; charset=utf-8' : 'text/plain; charset=utf-8';
}

/**
 * porter serves, for every `SERVE_PORT_<n>=<text>` in the environment, `<text>` over HTTP on
 * port n (and over HTTPS for `SERVE_TLS_PORT_<n>`, with --cert-file/--key-file), any path.
 */
function porter(args) {
  const f = parseFlags(args, { 'cert-file': '/localhost.crt', 'key-file': '/localhost.key', 'json-response': false });
  const servers = [];
  for (const [k, v] of Object.entries(process.env)) {
    const m = /^SERVE_(TLS_)?PORT_(\d+)$/.exec(k);
    if (!m) continue;
    // --json-response answers {"Method","Body"} (upstream's jsonResponse) so callers can check the verb.
    const handler = (req, res) =>
      f['json-response'] ? res.writeHead(200, { 'Content-Type': 'application/json' }).end(`${JSON.stringify({ Method: req.method, Body: v })}\n`) : res.writeHead(200, { 'Content-Type': sniffContentType(v) }).end(v);
    const server = m[1] ? https.createServer({ cert: readFileSync(f['cert-file']), key: readFileSync(f['key-file']) }, handler) : http.createServer(handler);
    server.listen(Number(m[2]), () => log(`porter: ${m[1] ? 'HTTPS' : 'HTTP'} on :${m[2]}`));
    servers.push(server);
  }
  if (servers.length === 0) throw new Error('no SERVE_PORT_<n> or SERVE_TLS_PORT_<n> environment variables');
  return servers;
}

/** serveHostname answers its host name over HTTP (default), TCP and/or UDP on --port. */
function serveHostname(args) {
  const f = parseFlags(args, { port: '9376', http: true, tcp: false, udp: false, close: false });
  const port = Number(f.port);
  const hostname = os.hostname();
  if (f.tcp && f.http) throw new Error('Can not use both --tcp and --http');
  if (f.udp) {
    const udp = dgram.createSocket('udp4');
    udp.on('message', (_m, rinfo) => udp.send(hostname, rinfo.port, rinfo.address));
    udp.bind(port);
  }
  if (f.tcp) {
    net.createServer((sock) => {
      sock.end(hostname);
    }).listen(port);
  } else if (f.http) {
    http
      .createServer((_req, res) => {
        if (f.close) res.setHeader('Connection', 'close');
        res.end(hostname);
      })
      .listen(port);
  }
  log(`serve-hostname: ${hostname} on :${port}`);
}

// ---- main ------------------------------------------------------------------------------------

const commands = {
  webhook,
  'crd-conversion-webhook': crdConversionWebhook,
  netexec,
  porter,
  'serve-hostname': serveHostname,
  pause: () => setInterval(() => {}, 1 << 30),
};

const isMain = process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href;
if (isMain) {
  const [cmd, ...rest] = process.argv.slice(2);
  const run = commands[cmd ?? ''];
  for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => process.exit(0));
  if (!run) {
    process.stderr.write(`usage: agnhost {${Object.keys(commands).join('|')}} [flags]\n`);
    process.exit(cmd === undefined || cmd === 'help' ? 0 : 2);
  }
  try {
    run(rest);
  } catch (err) {
    process.stderr.write(`agnhost ${cmd}: ${err.message}\n`);
    process.exit(2);
  }
}
