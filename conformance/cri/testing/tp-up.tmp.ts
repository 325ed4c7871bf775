import { startThirdPartyContainerd } from './third-party-containerd.ts';
const t = Date.now();
const tp = await startThirdPartyContainerd({ authRegistry: true });
console.log(JSON.stringify({ endpoint: tp.endpoint, auth: tp.authImage, ms: Date.now() - t }));
const { runCriValidate } = await import('../validate.ts');
const r = await runCriValidate({ runtimeEndpoint: tp.endpoint, parallel: 4, focus: process.argv[2], authImage: tp.authImage, write: (s) => process.stdout.write(s) });
await tp.stop();
console.log(r.counts);
