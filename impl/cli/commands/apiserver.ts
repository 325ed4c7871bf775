import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import type { CommandModule } from './index.ts';
import type { AuthFlags } from '#impl/apiserver/auth-wiring.ts';

/**
 * apiserverCommand registers `kubets apiserver` with upstream kube-apiserver flag names.
 */
export const apiserverCommand: CommandModule = {
  register(program: Command): void {
    program
      .command('apiserver')
      .description('Run the Kubernetes API server (HTTPS, client-certificate auth, SQLite or etcd3 storage)')
      .option('--data-dir <dir>', 'state directory (PKI, admin.kubeconfig, SQLite database)', defaultDataDir())
      .option('--secure-port <port>', 'HTTPS port (0 = random, printed)', '6443')
      .option('--bind-address <ip>', 'address to listen on', '127.0.0.1')
      .option('--storage-backend <backend>', 'sqlite or etcd3', 'sqlite')
      .option('--etcd-servers <urls>', 'comma-separated etcd client URLs (etcd3 backend)')
      .option('--service-cluster-ip-range <cidr>', 'ClusterIP range for Services', '198.19.0.0/16')
      .option('--runtime-config <spec>', 'enable/disable group-versions, e.g. api/beta=true,batch/v1=false')
      .option('--advertise-address <ip>', 'IP published in the kubernetes Endpoints/EndpointSlice')
      .option('--client-ca-file <file>', 'CA bundle that signs client certificates (default: the cluster CA)')
      .option('--token-auth-file <file>', 'static bearer tokens (CSV: token,user,uid,"group1,group2")')
      .option('--service-account-issuer <url>', 'service account token issuer (repeatable; the first one signs)', collect, [])
      .option('--service-account-key-file <file>', 'extra PEM public keys that verify service account tokens (repeatable)', collect, [])
      .option('--service-account-signing-key-file <file>', 'PEM private key that signs service account tokens (default DATA_DIR/pki/sa.key, generated)')
      .option('--service-account-max-token-expiration <seconds>', 'cap on TokenRequest expirationSeconds (0 = none)', '0')
      .option('--api-audiences <list>', 'comma-separated audiences the API accepts (default: the issuers)')
      .option('--authentication-token-webhook-config-file <file>', 'kubeconfig of the TokenReview webhook that authenticates bearer tokens')
      .option('--enable-bootstrap-token-auth', 'accept bootstrap tokens from kube-system Secrets')
      .option('--anonymous-auth <bool>', 'allow anonymous requests to every path (false keeps /healthz, /livez, /readyz, /version anonymous)', 'false')
      .option('--authorization-mode <modes>', 'comma-separated: AlwaysAllow, AlwaysDeny, ABAC, Webhook, RBAC, Node', 'AlwaysAllow')
      .option('--authorization-policy-file <file>', 'ABAC policy file (JSON lines)')
      .option('--authorization-webhook-config-file <file>', 'kubeconfig of the authorization webhook')
      .option('--audit-policy-file <file>', 'audit.k8s.io/v1 Policy (YAML/JSON); with --audit-log-path turns auditing on')
      .option('--audit-log-path <file>', 'audit log file, JSON lines (- for stdout)')
      .option('--audit-log-maxsize <mb>', 'rotate the audit log at this size in megabytes (0 = never)', '0')
      .option('--audit-log-maxbackup <n>', 'rotated audit log files to keep', '0')
      .option('--enable-admission-plugins <list>', 'admission plugins to enable besides the defaults (e.g. StorageObjectInUseProtection)')
      .option('--disable-admission-plugins <list>', 'admission plugins to disable')
      .action(async (opts: Record<string, string> & { serviceAccountIssuer: string[]; serviceAccountKeyFile: string[]; enableBootstrapTokenAuth?: boolean }) => {
        const { startApiServer } = await import('#impl/apiserver/index.ts');
        const backend = opts.storageBackend;
        if (backend !== 'sqlite' && backend !== 'etcd3') throw new Error(`--storage-backend must be sqlite or etcd3, not ${backend}`);
        const srv = await startApiServer({
          dataDir: opts.dataDir!,
          securePort: Number(opts.securePort),
          bindAddress: opts.bindAddress,
          storageBackend: backend,
          etcdServers: opts.etcdServers,
          serviceClusterIPRange: opts.serviceClusterIpRange,
          runtimeConfig: opts.runtimeConfig,
          advertiseAddress: opts.advertiseAddress,
          auth: authFlagsFrom(opts),
          admission: { enable: splitList(opts.enableAdmissionPlugins), disable: splitList(opts.disableAdmissionPlugins) },
        });
        await srv.ready;
        process.stdout.write(`${srv.url}\n`);
        const stop = () => {
          void srv.stop().then(() => process.exit(0));
        };
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
  },
};

function splitList(v: string | undefined): string[] {
  return (v ?? '').split(',').map((s) => s.trim()).filter(Boolean);
}

function collect(v: string, prev: string[]): string[] {
  return [...prev, v];
}

/** authFlagsFrom maps the parsed authn/authz flags to {@link AuthFlags}. */
export function authFlagsFrom(opts: Record<string, unknown>): AuthFlags {
  const list = (v: unknown) => (typeof v === 'string' ? v.split(',').map((s) => s.trim()).filter(Boolean) : undefined);
  return {
    clientCA: typeof opts.clientCaFile === 'string' ? readFileSync(opts.clientCaFile) : undefined,
    tokenAuthFile: opts.tokenAuthFile as string | undefined,
    serviceAccountIssuer: opts.serviceAccountIssuer as string[] | undefined,
    serviceAccountKeyFile: opts.serviceAccountKeyFile as string[] | undefined,
    serviceAccountSigningKeyFile: opts.serviceAccountSigningKeyFile as string | undefined,
    serviceAccountMaxTokenExpiration: Number(opts.serviceAccountMaxTokenExpiration ?? 0) || 0,
    apiAudiences: list(opts.apiAudiences),
    enableBootstrapTokenAuth: opts.enableBootstrapTokenAuth === true,
    authenticationTokenWebhookConfigFile: opts.authenticationTokenWebhookConfigFile as string | undefined,
    anonymousAuth: String(opts.anonymousAuth ?? 'false') === 'true',
    authorizationMode: list(opts.authorizationMode),
    authorizationPolicyFile: opts.authorizationPolicyFile as string | undefined,
    authorizationWebhookConfigFile: opts.authorizationWebhookConfigFile as string | undefined,
    auditPolicyFile: opts.auditPolicyFile as string | undefined,
    auditLogPath: opts.auditLogPath as string | undefined,
    auditLogMaxSize: Number(opts.auditLogMaxsize ?? 0) || 0,
    auditLogMaxBackup: Number(opts.auditLogMaxbackup ?? 0) || 0,
  };
}

function defaultDataDir(): string {
  if (process.getuid?.() === 0) return '/var/lib/kubets';
  return `${process.env.HOME ?? '.'}/.kubets`;
}

export const register = apiserverCommand.register;
