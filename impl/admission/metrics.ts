/**
 * Admission metrics with upstream names, recorded only by the chain runner and the webhook
 * dispatcher.
 *
 * upstream: staging/src/k8s.io/apiserver/pkg/admission/metrics/metrics.go
 */
import { Counter, Histogram, Registry } from 'prom-client';

/** AdmissionMetrics holds the admission histograms and counters. */
export class AdmissionMetrics {
  readonly step: Histogram<'type' | 'operation' | 'rejected'>;
  readonly controller: Histogram<'name' | 'type' | 'operation' | 'rejected'>;
  readonly webhook: Histogram<'name' | 'type' | 'operation' | 'rejected'>;
  readonly webhookRejections: Counter<'name' | 'type' | 'operation' | 'error_type' | 'rejection_code'>;
  readonly webhookRequests: Counter<'name' | 'type' | 'operation' | 'code' | 'rejected'>;

  constructor(registry: Registry = new Registry()) {
    const registers = [registry];
    this.step = new Histogram({
      name: 'apiserver_admission_step_admission_duration_seconds',
      help: 'Admission sub-step latency histogram in seconds, broken out for each operation and API resource and step type (validate or admit).',
      labelNames: ['type', 'operation', 'rejected'],
      buckets: [0.005, 0.025, 0.1, 0.5, 1.0, 2.5],
      registers,
    });
    this.controller = new Histogram({
      name: 'apiserver_admission_controller_admission_duration_seconds',
      help: 'Admission controller latency histogram in seconds, identified by name and broken out for each operation and API resource and type (validate or admit).',
      labelNames: ['name', 'type', 'operation', 'rejected'],
      buckets: [0.005, 0.025, 0.1, 0.5, 1.0, 2.5],
      registers,
    });
    this.webhook = new Histogram({
      name: 'apiserver_admission_webhook_admission_duration_seconds',
      help: 'Admission webhook latency histogram in seconds, identified by name and broken out for each operation and API resource and type (validate or admit).',
      labelNames: ['name', 'type', 'operation', 'rejected'],
      buckets: [0.005, 0.025, 0.1, 0.5, 1.0, 2.5, 10, 25],
      registers,
    });
    this.webhookRejections = new Counter({
      name: 'apiserver_admission_webhook_rejection_count',
      help: 'Admission webhook rejection count, identified by name and broken out for each admission type (validating or admit) and operation.',
      labelNames: ['name', 'type', 'operation', 'error_type', 'rejection_code'],
      registers,
    });
    this.webhookRequests = new Counter({
      name: 'apiserver_admission_webhook_request_total',
      help: 'Admission webhook request total, identified by name and broken out for each admission type (validating or mutating) and operation.',
      labelNames: ['name', 'type', 'operation', 'code', 'rejected'],
      registers,
    });
  }
}
