/**
 * DNS specs (upstream test/e2e/network/dns.go): names of the cluster, of Services (headless and
 * regular, fully and partially qualified, SRV and PTR), of pods with hostname and subdomain, of
 * ExternalName Services, and a pod's own dnsConfig.
 *
 * Deviation: upstream's probe pod runs `dig` (jessie-dnsutils) and agnhost loops that write one
 * result file per name, read back through the apiserver's pod proxy. Here one busybox container
 * runs `nslookup` for each name until it answers with the expected record and prints
 * `OK <name> <type>` once; the case reads the container's log. Names checked with `getent hosts`
 * upstream (the pod's own hostname) are checked in the kubelet-managed /etc/hosts or by DNS.
 */
import { defineCase } from '../framework/case.ts';
import type { CaseContext } from '../framework/context.ts';
import { fail } from '../framework/expect.ts';
import { createPod, podLogs, waitForPodRunning } from '../framework/pods.ts';
import type { KubeObject } from '#impl/client/index.ts';

const DNS_DOMAIN = 'cluster.local';
const PROBE_TIMEOUT_MS = 120_000;
const DNS_TEST_SERVICE = 'dns-test-service';
const DNS_TEST_POD_HOSTNAME = 'dns-querier-1';

/** Lookup is one name to resolve and the text nslookup must print for it. */
interface Lookup {
  name: string;
  type: 'A' | 'SRV' | 'PTR' | 'CNAME' | 'HOSTS';
  /** Text the answer must contain (default: any answer of the type). */
  expect?: string;
}

const ANSWER_MARK: Record<Lookup['type'], string> = { A: 'Address: ', SRV: 'service = ', PTR: 'name = ', CNAME: 'canonical name = ', HOSTS: '' };

/**
 * LOOKUP_FN is a shell function `q TYPE NAME TEXT`: it resolves NAME as a stub resolver does with
 * the pod's resolv.conf (`ndots:5`: every `search` domain first, then the name as given) and
 * succeeds when an answer contains TEXT. busybox's nslookup itself ignores the search list.
 */
const LOOKUP_FN = `q() { for d in $(sed -n 's/^search //p' /etc/resolv.conf) ''; do nslookup -type=$1 "$2\${d:+.$d}" 2>/dev/null | grep -qF "$3" && return 0; done; return 1; }`;

/** probeScript loops until every lookup answered as expected, printing `OK <name> <type>` once each. */
export function probeScript(lookups: Lookup[]): string {
  const checks = lookups.map((l, i) => {
    const test = l.type === 'HOSTS' ? `{ grep -qw '${l.name}' /etc/hosts || q a '${l.name}' 'Address: '; }` : `q ${l.type.toLowerCase()} '${l.name}' '${l.expect ?? ANSWER_MARK[l.type]}'`;
    return `[ -f /tmp/ok-${i} ] || { ${test} && touch /tmp/ok-${i} && echo 'OK ${l.name} ${l.type}'; }`;
  });
  return `${LOOKUP_FN}; for i in $(seq 1 600); do ${checks.join('; ')}; [ $(ls /tmp/ok-* 2>/dev/null | wc -l) -eq ${lookups.length} ] && echo 'ALL OK' && break; sleep 1; done; sleep 3600`;
}

/** reverseName is the in-addr.arpa name of an IPv4 address. */
const reverseName = (ip: string): string => `${ip.split('.').reverse().join('.')}.in-addr.arpa`;

/**
 * validateDnsResults runs a probe pod for `lookups` and waits until its log shows every one
 * answered (upstream validateDNSResults); on timeout it names the lookups that never answered.
 */
async function validateDnsResults(ctx: CaseContext, lookups: Lookup[], pod: { labels?: Record<string, string>; hostname?: string; subdomain?: string } = {}): Promise<void> {
  const name = ctx.uniqueName('dns-test');
  ctx.step(`creating a pod to probe DNS: ${lookups.map((l) => `${l.name} ${l.type}`).join(', ')}`);
  await createPod(ctx, {
    metadata: { name, labels: pod.labels },
    spec: {
      hostname: pod.hostname ?? DNS_TEST_POD_HOSTNAME,
      subdomain: pod.subdomain ?? DNS_TEST_SERVICE,
      terminationGracePeriodSeconds: 1,
      containers: [{ name: 'querier', image: ctx.images.busybox, command: ['sh', '-c', probeScript(lookups)] }],
    },
  });
  ctx.defer(() => ctx.core('pods').delete(name, { gracePeriodSeconds: 0 }).catch(() => undefined));
  await waitForPodRunning(ctx, name);
  let logs = '';
  try {
    await ctx.waitFor(
      async () => {
        logs = await podLogs(ctx, name, 'querier');
        return logs.includes('ALL OK');
      },
      { timeoutMs: PROBE_TIMEOUT_MS, intervalMs: 2000, message: 'every DNS lookup to answer' },
    );
  } catch {
    const missing = lookups.filter((l) => !logs.includes(`OK ${l.name} ${l.type}`));
    fail(`DNS lookups that never answered as expected within ${PROBE_TIMEOUT_MS / 1000}s: ${missing.map((l) => `${l.name} ${l.type}${l.expect ? ` (want "${l.expect}")` : ''}`).join(', ')}`);
  }
  ctx.log(`all ${lookups.length} lookups answered`);
}

/** createServices creates upstream's headless `dns-test-service` and regular `test-service-2` selecting `selector`. */
async function createServices(ctx: CaseContext, selector: Record<string, string>): Promise<{ regular: KubeObject }> {
  const spec = (name: string, headless: boolean): KubeObject => ({
    metadata: { name },
    spec: { selector, ...(headless ? { clusterIP: 'None' } : {}), ports: [{ name: 'http', port: 80, protocol: 'TCP', targetPort: 80 }] },
  });
  ctx.step('Creating a test headless service');
  await ctx.core('services').create(spec(DNS_TEST_SERVICE, true));
  ctx.step('Creating a regular service');
  const regular = await ctx.core('services').create(spec('test-service-2', false));
  return { regular };
}

/**
 * createHostnameService creates upstream's headless `dns-test-service-2` and returns the labels,
 * hostname and subdomain of a pod it names (`dns-querier-2.dns-test-service-2...`).
 */
async function createHostnameService(ctx: CaseContext): Promise<{ labels: Record<string, string>; hostname: string; subdomain: string }> {
  const labels = { 'dns-test-hostname-attribute': 'true' };
  const subdomain = 'dns-test-service-2';
  ctx.step('Creating a test headless service');
  await ctx.core('services').create({ metadata: { name: subdomain }, spec: { selector: labels, clusterIP: 'None', ports: [{ name: 'http', port: 80, protocol: 'TCP' }] } });
  return { labels, hostname: 'dns-querier-2', subdomain };
}

const PC_DNS = '[sig-network] DNS';

export const cases = [
  defineCase(import.meta.url, {
    id: 'NW-06',
    codename: `${PC_DNS} should provide DNS for the cluster [Conformance]`,
    async run(ctx) {
      await validateDnsResults(ctx, [{ name: `kubernetes.default.svc.${DNS_DOMAIN}`, type: 'A' }]);
    },
  }),

  defineCase(import.meta.url, {
    id: 'NW-01',
    codename: `${PC_DNS} should provide /etc/hosts entries for the cluster [Conformance]`,
    async run(ctx) {
      // No Service: the names come from the kubelet-managed /etc/hosts of a pod with hostname and subdomain.
      const hostFQDN = `${DNS_TEST_POD_HOSTNAME}.${DNS_TEST_SERVICE}.${ctx.ns}.svc.${DNS_DOMAIN}`;
      await validateDnsResults(ctx, [
        { name: hostFQDN, type: 'HOSTS' },
        { name: DNS_TEST_POD_HOSTNAME, type: 'HOSTS' },
      ]);
    },
  }),

  defineCase(import.meta.url, {
    id: 'NW-05',
    codename: `${PC_DNS} should provide DNS for services [Conformance]`,
    async run(ctx) {
      const selector = { 'dns-test': 'true' };
      const { regular } = await createServices(ctx, selector);
      const ip = String(regular.spec?.clusterIP);
      await validateDnsResults(
        ctx,
        [
          { name: `${DNS_TEST_SERVICE}.${ctx.ns}.svc.${DNS_DOMAIN}`, type: 'A' },
          { name: `_http._tcp.${DNS_TEST_SERVICE}.${ctx.ns}.svc.${DNS_DOMAIN}`, type: 'SRV' },
          { name: `_http._tcp.test-service-2.${ctx.ns}.svc.${DNS_DOMAIN}`, type: 'SRV' },
          { name: reverseName(ip), type: 'PTR', expect: `name = test-service-2.${ctx.ns}.svc.${DNS_DOMAIN}` },
        ],
        { labels: selector },
      );
    },
  }),

  defineCase(import.meta.url, {
    id: 'NW-07',
    codename: `${PC_DNS} should resolve DNS of partial qualified names for services [LinuxOnly] [Conformance]`,
    async run(ctx) {
      const selector = { 'dns-test': 'true' };
      const { regular } = await createServices(ctx, selector);
      const ip = String(regular.spec?.clusterIP);
      await validateDnsResults(
        ctx,
        [
          { name: DNS_TEST_SERVICE, type: 'A' },
          { name: `${DNS_TEST_SERVICE}.${ctx.ns}`, type: 'A' },
          { name: `${DNS_TEST_SERVICE}.${ctx.ns}.svc`, type: 'A' },
          { name: `_http._tcp.${DNS_TEST_SERVICE}.${ctx.ns}.svc`, type: 'SRV' },
          { name: `_http._tcp.test-service-2.${ctx.ns}.svc`, type: 'SRV' },
          { name: reverseName(ip), type: 'PTR', expect: `name = test-service-2.${ctx.ns}.svc.${DNS_DOMAIN}` },
        ],
        { labels: selector },
      );
    },
  }),

  defineCase(import.meta.url, {
    id: 'NW-03',
    codename: `${PC_DNS} should provide DNS for pods for Hostname [Conformance]`,
    async run(ctx) {
      const pod = await createHostnameService(ctx);
      await validateDnsResults(
        ctx,
        [
          { name: `${pod.hostname}.${pod.subdomain}.${ctx.ns}.svc.${DNS_DOMAIN}`, type: 'HOSTS' },
          { name: pod.hostname, type: 'HOSTS' },
        ],
        pod,
      );
    },
  }),

  defineCase(import.meta.url, {
    id: 'NW-04',
    codename: `${PC_DNS} should provide DNS for pods for Subdomain [Conformance]`,
    async run(ctx) {
      const pod = await createHostnameService(ctx);
      await validateDnsResults(
        ctx,
        [
          { name: `${pod.hostname}.${pod.subdomain}.${ctx.ns}.svc.${DNS_DOMAIN}`, type: 'A' },
          { name: `${pod.subdomain}.${ctx.ns}.svc.${DNS_DOMAIN}`, type: 'A' },
        ],
        pod,
      );
    },
  }),

  defineCase(import.meta.url, {
    id: 'NW-02',
    codename: `${PC_DNS} should provide DNS for ExternalName services [Conformance]`,
    async run(ctx) {
      const serviceName = 'dns-test-service-3';
      const fqdn = `${serviceName}.${ctx.ns}.svc.${DNS_DOMAIN}`;
      const services = ctx.core('services');
      ctx.step('Creating a test externalName service');
      await services.create({ metadata: { name: serviceName }, spec: { type: 'ExternalName', externalName: 'foo.example.com' } });
      await validateDnsResults(ctx, [{ name: fqdn, type: 'CNAME', expect: 'canonical name = foo.example.com' }]);

      ctx.step('changing the externalName to bar.example.com');
      const s1 = await services.get(serviceName);
      await services.update({ ...s1, spec: { ...s1.spec, externalName: 'bar.example.com' } });
      await validateDnsResults(ctx, [{ name: fqdn, type: 'CNAME', expect: 'canonical name = bar.example.com' }]);

      ctx.step('changing the service to type=ClusterIP');
      const s2 = await services.get(serviceName);
      const { externalName: _drop, ...rest } = (s2.spec ?? {}) as Record<string, unknown>;
      const updated = await services.update({ ...s2, spec: { ...rest, type: 'ClusterIP', ports: [{ port: 80, name: 'http', protocol: 'TCP' }] } });
      const ip = String(updated.spec?.clusterIP);
      await validateDnsResults(ctx, [{ name: fqdn, type: 'A', expect: `Address: ${ip}` }]);
    },
  }),

  defineCase(import.meta.url, {
    id: 'NW-08',
    codename: `${PC_DNS} should support configurable pod DNS nameservers [Conformance]`,
    async run(ctx) {
      const testServerIP = '1.1.1.1';
      const testSearchPath = 'resolv.conf.local';
      const name = 'test-dns-nameservers';
      ctx.step('Creating a pod with dnsPolicy=None and customized dnsConfig...');
      await createPod(ctx, {
        metadata: { name },
        spec: {
          dnsPolicy: 'None',
          dnsConfig: { nameservers: [testServerIP], searches: [testSearchPath] },
          terminationGracePeriodSeconds: 1,
          containers: [{ name: 'agnhost', image: ctx.images.busybox, command: ['sh', '-c', 'cat /etc/resolv.conf; sleep 3600'] }],
        },
      });
      await waitForPodRunning(ctx, name);
      let conf = '';
      await ctx.waitFor(
        async () => {
          conf = await podLogs(ctx, name, 'agnhost');
          return conf.includes('nameserver');
        },
        { timeoutMs: 60_000, intervalMs: 1000, message: 'the pod to print its resolv.conf' },
      );
      ctx.step('Verifying customized DNS suffix list is configured on pod...');
      if (!/^search .*\bresolv\.conf\.local\b/m.test(conf)) fail(`customized DNS suffix list not found configured in pod, expected to contain: ${testSearchPath}, got: ${conf}`);
      ctx.step('Verifying customized DNS server is configured on pod...');
      if (!conf.split('\n').some((l) => l.trim() === `nameserver ${testServerIP}`)) fail(`customized DNS server not found in configured in pod, expected to contain: ${testServerIP}, got: ${conf}`);
    },
  }),
];
