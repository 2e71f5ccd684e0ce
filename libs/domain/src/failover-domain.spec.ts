import { BadInputError, FieldProblem } from './errors';
import { checkDomainMembers, MAX_DOMAIN_PRIORITY } from './failover-domain';

function problemsOf(fn: () => unknown): FieldProblem[] {
  try {
    fn();
  } catch (e) {
    if (e instanceof BadInputError) return [...e.problems];
    throw e;
  }
  throw new Error('expected a BadInputError, nothing was thrown');
}
const fieldsOf = (fn: () => unknown) => problemsOf(fn).map((p) => p.field);

describe('checkDomainMembers', () => {
  it('priorities run from 1 (most preferred, as in rgmanager) to 100', () => {
    expect(MAX_DOMAIN_PRIORITY).toBe(100);
    expect(() =>
      checkDomainMembers([
        { nodeId: 'n1', priority: 1 },
        { nodeId: 'n2', priority: 100 },
      ]),
    ).not.toThrow();
  });

  it('allows equal priorities (equally preferred nodes)', () => {
    expect(() =>
      checkDomainMembers([
        { nodeId: 'n1', priority: 1 },
        { nodeId: 'n2', priority: 1 },
      ]),
    ).not.toThrow();
  });

  it('accepts an empty list', () => {
    expect(() => checkDomainMembers([])).not.toThrow();
  });

  it.each([0, 101, -1, 1.5, Number.NaN])('refuses priority %p at the member index', (priority) => {
    expect(
      fieldsOf(() =>
        checkDomainMembers([
          { nodeId: 'n1', priority: 1 },
          { nodeId: 'n2', priority },
        ]),
      ),
    ).toEqual(['members[1].priority']);
  });

  it('flags every repeat of a node, not its first listing', () => {
    const problems = problemsOf(() =>
      checkDomainMembers([
        { nodeId: 'n1', priority: 1 },
        { nodeId: 'n2', priority: 2 },
        { nodeId: 'n1', priority: 3 },
        { nodeId: 'n1', priority: 4 },
      ]),
    );
    expect(problems).toEqual([
      { field: 'members[2].nodeId', message: 'node listed twice' },
      { field: 'members[3].nodeId', message: 'node listed twice' },
    ]);
  });

  it('reports every problem at once under the given field', () => {
    expect(
      fieldsOf(() =>
        checkDomainMembers(
          [
            { nodeId: 'n1', priority: 0 },
            { nodeId: 'n1', priority: 200 },
          ],
          'input.members',
        ),
      ),
    ).toEqual(['input.members[0].priority', 'input.members[1].priority', 'input.members[1].nodeId']);
  });
});
