import { checkSizes, MAX_LINES } from './file-sizes';

describe('the file-size ratchet', () => {
  it('refuses a new long file, a listed file that grew, and a listed file that is short now or gone', () => {
    const files = new Map([
      ['libs/a/src/ok.ts', MAX_LINES],
      ['libs/a/src/new-long.ts', MAX_LINES + 1],
      ['libs/a/src/listed.ts', 450],
      ['libs/a/src/grown.ts', 451],
      ['libs/a/src/shrunk.ts', 390],
      ['sdk/src/generated/graphql.ts', 5000],
      ['libs/b/src/testing/protocol-test.server.ts', 900],
    ]);
    const listed = { 'libs/a/src/listed.ts': 450, 'libs/a/src/grown.ts': 450, 'libs/a/src/shrunk.ts': 450, 'libs/a/src/gone.ts': 500 };
    expect(checkSizes(files, listed).map((p) => [p.file, p.problem.split(':')[0]])).toEqual([
      ['libs/a/src/new-long.ts', 'over 400 lines'],
      ['libs/a/src/grown.ts', 'grew past its ceiling of 450 lines (it is to be split, not grown)'],
      ['libs/a/src/shrunk.ts', 'now 390 lines'],
      ['libs/a/src/gone.ts', 'listed in OVERSIZED but gone'],
    ]);
  });
});
