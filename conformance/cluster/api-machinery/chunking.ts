/** API chunking: upstream test/e2e/apimachinery/chunking.go (AM-81). */
import type { KubeObject } from '#impl/client/index.ts';
import { defineCase } from '../framework/case.ts';
import { expectEqual, expectTrue } from '../framework/expect.ts';

const TOTAL = 400;

export const cases = [
  defineCase(import.meta.url, {
    id: 'AM-81',
    codename: '[sig-api-machinery] Servers with support for API chunking should return chunks of results for list calls [Conformance]',
    async run(ctx) {
      const client = ctx.core('podtemplates');
      ctx.step(`creating a large number of resources (${TOTAL} PodTemplates)`);
      const make = (i: number): KubeObject => ({
        metadata: { name: `template-${String(i).padStart(4, '0')}` },
        template: { spec: { containers: [{ name: 'test', image: ctx.images.busybox }] } },
      });
      for (let i = 0; i < TOTAL; i += 20) {
        await Promise.all(Array.from({ length: Math.min(20, TOTAL - i) }, (_, k) => client.create(make(i + k))));
      }
      ctx.step('retrieving those results in paged fashion several times');
      for (let round = 0; round < 3; round++) {
        let found = 0;
        let lastRV = '';
        let cont: string | undefined;
        for (;;) {
          const limit = Math.floor(Math.random() * (TOTAL / 10)) + 1;
          const list = await client.list({ limit, continue: cont });
          ctx.log(`Retrieved ${list.items.length}/${limit} results with rv ${list.metadata.resourceVersion} and continue ${list.metadata.continue ?? ''}`);
          expectTrue(list.items.length <= limit, `a page of ${list.items.length} items exceeds limit ${limit}`);
          if (lastRV === '') lastRV = list.metadata.resourceVersion ?? '';
          expectEqual(list.metadata.resourceVersion, lastRV, 'resourceVersion of every page of a paged list (the RV of the first page)');
          if (!list.metadata.continue) {
            expectEqual(list.metadata.remainingItemCount, undefined, 'remainingItemCount on the last page');
          } else {
            const rem = list.metadata.remainingItemCount;
            expectTrue(rem !== undefined && rem !== null, `remainingItemCount missing on a page with a continue token`);
            expectEqual(Number(rem) + list.items.length + found, TOTAL, 'remainingItemCount + items on this page + items before');
          }
          for (const item of list.items) {
            expectEqual(item.metadata?.name, `template-${String(found).padStart(4, '0')}`, `item #${found} of the paged list`);
            found++;
          }
          if (!list.metadata.continue) break;
          cont = list.metadata.continue;
        }
        expectEqual(found, TOTAL, `items found in paged round ${round + 1}`);
      }
      ctx.step('retrieving those results all at once');
      const all = await client.list({ limit: TOTAL + 1 });
      expectEqual(all.items.length, TOTAL, 'items in a single list with limit > total');
      expectEqual(all.metadata.continue ?? '', '', 'continue token of a complete list');
    },
  }),
];
