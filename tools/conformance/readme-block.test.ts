import test from 'ava';
import { updateReadmeBlock } from './readme-block.ts';

const cases = [
  {
    name: 'replaces only the block',
    in: '# T\n\nintro\n<!-- conformance:begin -->\nold\nlines\n<!-- conformance:end -->\n\n## After\nkeep\n',
    want: '# T\n\nintro\n<!-- conformance:begin -->\nnew table\n<!-- conformance:end -->\n\n## After\nkeep\n',
  },
  {
    name: 'works on an empty block',
    in: 'a<!-- conformance:begin --><!-- conformance:end -->b',
    want: 'a<!-- conformance:begin -->\nnew table\n<!-- conformance:end -->b',
  },
];
for (const tc of cases) test(tc.name, (t) => t.is(updateReadmeBlock(tc.in, '\nnew table\n'), tc.want));

test('missing markers throw', (t) => {
  t.throws(() => updateReadmeBlock('no markers', 'x'), { message: /no <!-- conformance:begin -->/ });
});
