/**
 * Response representations: JSON lists (streamed), Table and PartialObjectMetadata.
 *
 * upstream: staging/src/k8s.io/apiserver/pkg/endpoints/handlers/response.go (transformObject).
 */
import { badRequest } from '#impl/apimachinery/index.ts';
import type { KubeObject } from '../../registry/rest/strategy.ts';
import type { OutputKind } from '../../negotiation.ts';
import type { TablePrinter } from '../../printers/printers.ts';
import { writeJson } from '../responses.ts';
import { type RestRequest, apiVersionOf } from './rest.ts';

export function partialMeta(o: KubeObject, version: string): Record<string, unknown> {
  return { kind: 'PartialObjectMetadata', apiVersion: `meta.k8s.io/${version}`, metadata: o.metadata };
}

export function tableOf(printer: TablePrinter, items: KubeObject[], includeObject: string, version: string, now: Date, listMeta: Record<string, unknown>): Record<string, unknown> {
  return {
    kind: 'Table',
    apiVersion: `meta.k8s.io/${version}`,
    metadata: listMeta,
    columnDefinitions: printer.columns,
    rows: items.map((o) => {
      const row: Record<string, unknown> = { cells: printer.cells(o, now) };
      const conditions = printer.rowConditions?.(o);
      if (conditions) row.conditions = conditions;
      if (includeObject === 'Object') row.object = o;
      else if (includeObject !== 'None') row.object = partialMeta(o, version);
      return row;
    }),
  };
}

export function includeObjectOf(q: URLSearchParams): string {
  const v = q.get('includeObject') ?? 'Metadata';
  if (v !== 'Object' && v !== 'Metadata' && v !== 'None') throw badRequest(`includeObject: Unsupported value: "${v}": supported values: "Metadata", "None", "Object"`);
  return v;
}

/** writeObject writes one object in the negotiated representation. */
export function writeObject(r: RestRequest, out: OutputKind, code: number, obj: KubeObject): void {
  if (out.kind === 'table') {
    writeJson(r.res, code, tableOf(r.served.printer, [obj], includeObjectOf(r.query), out.version, r.now(), { resourceVersion: obj.metadata.resourceVersion }), r.ctx.warnings);
  } else if (out.kind === 'partial') {
    writeJson(r.res, code, partialMeta(obj, out.version), r.ctx.warnings);
  } else {
    writeJson(r.res, code, obj, r.ctx.warnings, out.kind === 'yaml');
  }
}

/** writeList streams a list without building one big intermediate object (LIST of 10k items). */
export function writeList(r: RestRequest, listMeta: Record<string, unknown>, items: KubeObject[], yaml: boolean): void {
  const body = { kind: r.served.entry.listKind || `${r.served.entry.kind}List`, apiVersion: apiVersionOf(r.served), metadata: listMeta, items };
  if (yaml) return writeJson(r.res, 200, body, r.ctx.warnings, true);
  const parts: string[] = [];
  parts.push(`{"kind":${JSON.stringify(body.kind)},"apiVersion":${JSON.stringify(body.apiVersion)},"metadata":${JSON.stringify(listMeta)},"items":[`);
  for (let i = 0; i < items.length; i++) parts.push((i ? ',' : '') + JSON.stringify(items[i]));
  parts.push(']}');
  const buf = Buffer.from(parts.join(''));
  r.res.statusCode = 200;
  r.res.setHeader('Content-Type', 'application/json');
  for (const w of r.ctx.warnings) r.res.appendHeader('Warning', `299 - ${JSON.stringify(w)}`);
  r.res.setHeader('Content-Length', buf.length);
  r.res.end(buf);
}
