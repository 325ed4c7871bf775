import test from 'ava';
import { cniConflist, containerdConfig, hostsToml, registryHosts } from './containerd-config.ts';
import { registryConfig } from './registry.ts';

const config = containerdConfig({
  root: '/d/containerd/root',
  state: '/d/containerd/state',
  socket: '/d/containerd/containerd.sock',
  sandboxImage: 'registry.k8s.io/pause:3.10',
  cniConfDir: '/d/cni/net.d',
  registryConfigPath: '/d/containerd/certs.d',
  optDir: '/d/containerd/opt',
});

const configCases: Array<[string, RegExp]> = [
  ['version 2 config', /^version = 2$/m],
  ['own root', /^root = "\/d\/containerd\/root"$/m],
  ['own state', /^state = "\/d\/containerd\/state"$/m],
  ['own gRPC socket', /\[grpc\]\n  address = "\/d\/containerd\/containerd.sock"/],
  ['own ttrpc socket', /\[ttrpc\]\n  address = "\/d\/containerd\/containerd.sock.ttrpc"/],
  ['sandbox image is the local pause', /sandbox_image = "registry.k8s.io\/pause:3.10"/],
  ['restrict_oom_score_adj (root lacks CAP_SYS_RESOURCE here)', /restrict_oom_score_adj = true/],
  ['CNI plugins from Debian', /bin_dir = "\/usr\/lib\/cni"/],
  ['CNI config of our own', /conf_dir = "\/d\/cni\/net.d"/],
  ['registry hosts from certs.d', /config_path = "\/d\/containerd\/certs.d"/],
  ['runc v2 with cgroupfs', /runtime_type = "io.containerd.runc.v2"[\s\S]*SystemdCgroup = false/],
  ['streaming server on loopback', /stream_server_address = "127.0.0.1"/],
];
for (const [name, re] of configCases) test(`containerd config: ${name}`, (t) => t.regex(config, re));

test('registry hosts mirror docker.io and registry.k8s.io to the local registry over HTTP', (t) => {
  const hosts = registryHosts('127.0.0.1:5000');
  t.deepEqual(hosts.map((h) => h.dir), ['127.0.0.1:5000', 'docker.io', 'registry.k8s.io']);
  for (const h of hosts) t.regex(h.content, /\[host\."http:\/\/127\.0\.0\.1:5000"\]\n  capabilities = \["pull", "resolve"\]/);
  // Never fall back to the internet: the server is the local registry too.
  for (const h of hosts) t.regex(h.content, /^server = "http:\/\/127.0.0.1:5000"$/m);
});

test('hostsToml pins the mirror format', (t) => {
  t.snapshot(hostsToml({ server: 'https://registry.k8s.io', mirror: 'http://127.0.0.1:1' }));
});

test('CNI conflist: bridge + host-local on 198.18.0.0/16 + portmap', (t) => {
  const conf = JSON.parse(cniConflist()) as { name: string; plugins: Array<Record<string, unknown>> };
  t.is(conf.name, 'kubets');
  t.deepEqual(conf.plugins.map((p) => p['type']), ['bridge', 'portmap']);
  t.like(conf.plugins[0], { isGateway: true, hairpinMode: true, ipam: { type: 'host-local', ranges: [[{ subnet: '198.18.0.0/16' }]] } });
  t.like(conf.plugins[1], { capabilities: { portMappings: true } });
});

test('registry config listens where told and stores under the data dir', (t) => {
  const yml = registryConfig({ storage: '/d/registry/data', addr: '127.0.0.1:5000' });
  t.regex(yml, /rootdirectory: "\/d\/registry\/data"/);
  t.regex(yml, /addr: "127.0.0.1:5000"/);
  t.notRegex(yml, /htpasswd/);
  t.regex(registryConfig({ storage: '/s', addr: 'a:1', htpasswd: '/h' }), /htpasswd:\n    realm: kubets\n    path: "\/h"/);
});
