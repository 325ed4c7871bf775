/**
 * updateReadmeBlock replaces the text between `<!-- conformance:begin -->` and
 * `<!-- conformance:end -->` in README.md, leaving everything else untouched.
 */
export const BEGIN = '<!-- conformance:begin -->';
export const END = '<!-- conformance:end -->';

/** updateReadmeBlock returns `readme` with the block's content replaced by `content`. */
export function updateReadmeBlock(readme: string, content: string): string {
  const b = readme.indexOf(BEGIN);
  const e = readme.indexOf(END);
  if (b < 0 || e < 0 || e < b) throw new Error(`README.md has no ${BEGIN} ... ${END} block`);
  return `${readme.slice(0, b + BEGIN.length)}\n${content.trim()}\n${readme.slice(e)}`;
}
