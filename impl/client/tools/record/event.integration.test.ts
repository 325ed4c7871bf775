/**
 * The event recorder against a real kubets apiserver: an event is created as a core/v1 Event,
 * and an identical second one patches its count and lastTimestamp.
 */
import test from 'ava';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Event } from '#generated/k8s/index.ts';
import { loadKubeconfig } from '../../kubeconfig.ts';
import { RestClient } from '../../rest-client.ts';
import { newBroadcaster } from './event.ts';
import { newEventSink } from './event-sink.ts';

const apiserverIndex = join(dirname(fileURLToPath(import.meta.url)), '../../../apiserver/index.ts');
type StartApiServer = (o: { dataDir: string; securePort?: number; log?: (l: string) => void }) => Promise<{ kubeconfigPath: string; ready: Promise<void>; stop(): Promise<void> }>;

if (!existsSync(apiserverIndex)) {
  test('event recorder integration (skipped: impl/apiserver does not exist yet)', (t) => t.pass());
} else {
  test('events are created, then de-duplicated into count patches', async (t) => {
    const { startApiServer } = (await import(apiserverIndex)) as { startApiServer: StartApiServer };
    const dir = mkdtempSync(join(tmpdir(), 'kubets-events-'));
    const srv = await startApiServer({ dataDir: dir, securePort: 0, log: () => {} });
    await srv.ready;
    const rest = new RestClient(loadKubeconfig({ path: srv.kubeconfigPath }));
    const errors: string[] = [];
    const logger = { debug() {}, info() {}, warn() {}, error: (o: Record<string, unknown>, m?: string) => errors.push(`${m} ${JSON.stringify(o)}`) };
    const b = newBroadcaster({ logger });
    b.startRecordingToSink(newEventSink(rest));
    try {
      const cms = rest.resource('', 'v1', 'configmaps').namespace('default');
      const cm = await cms.create({ metadata: { name: 'evt' } });
      const recorder = b.newRecorder({ component: 'kubets-test' });
      recorder.event({ ...cm, apiVersion: 'v1', kind: 'ConfigMap' }, 'Normal', 'Tested', 'hello');
      recorder.event({ ...cm, apiVersion: 'v1', kind: 'ConfigMap' }, 'Normal', 'Tested', 'hello');
      const events = rest.resource('', 'v1', 'events').namespace('default').as<Event>();
      const deadline = Date.now() + 10_000;
      let found: Event | undefined;
      while (Date.now() < deadline) {
        const list = await events.list();
        found = list.items.find((e) => e.reason === 'Tested');
        if (found?.count === 2) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      t.deepEqual(errors, []);
      t.like(found, { count: 2, message: 'hello', type: 'Normal', involvedObject: { kind: 'ConfigMap', name: 'evt', namespace: 'default' }, source: { component: 'kubets-test' } });
    } finally {
      await b.shutdown();
      rest.close();
      await srv.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
