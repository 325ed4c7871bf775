import { runCriValidate } from '../validate.ts';
const r = await runCriValidate({ runtimeEndpoint: 'unix:///tmp/crival-dev/faulty.sock', focus: process.argv[2], parallel: 4, stateTimeoutMs: 5000, write: (s) => process.stdout.write(s) });
console.log(r.counts);
