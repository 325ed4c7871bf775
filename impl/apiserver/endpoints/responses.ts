/**
 * Response writers: JSON (or YAML) bodies with Warning headers, and Status bodies for errors.
 *
 * upstream: staging/src/k8s.io/apiserver/pkg/endpoints/handlers/responsewriters/writers.go.
 */
import type { ServerResponse } from 'node:http';
import { stringifyYaml } from '#impl/apimachinery/util/yaml/index.ts';
import { toStatus } from '#impl/apimachinery/index.ts';

/** writeJson writes `body` as JSON (or YAML) with `Warning: 299 - "..."` headers. */
export function writeJson(res: ServerResponse, code: number, body: unknown, warnings: readonly string[] = [], yaml = false): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  const text = yaml ? stringifyYaml(body) : JSON.stringify(body);
  const buf = Buffer.from(text);
  res.statusCode = code;
  res.setHeader('Content-Type', yaml ? 'application/yaml' : 'application/json');
  for (const w of warnings) res.appendHeader('Warning', `299 - ${JSON.stringify(w)}`);
  res.setHeader('Content-Length', buf.length);
  res.end(buf);
}

/** writeStatus writes anything thrown as a failure Status (the one conversion at the HTTP boundary). */
export function writeStatus(res: ServerResponse, err: unknown, warnings: readonly string[] = []): number {
  const status = toStatus(err);
  const code = status.code ?? 500;
  if (res.headersSent) {
    res.end();
    return code;
  }
  if (status.reason === 'TooManyRequests' || status.reason === 'ServerTimeout' || status.reason === 'Timeout') {
    const retry = status.details?.retryAfterSeconds;
    if (retry) res.setHeader('Retry-After', String(retry));
  }
  writeJson(res, code, status, warnings);
  return code;
}
