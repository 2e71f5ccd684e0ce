import { BadInputError } from '@haaas/domain';
import { checkEventFilter, MAX_EVENT_TYPES_IN_FILTER } from './event-log.service';

function fieldsOf(fn: () => void): string[] {
  try {
    fn();
  } catch (e) {
    if (e instanceof BadInputError) return e.problems.map((p) => p.field);
    throw e;
  }
  return [];
}

describe('checkEventFilter', () => {
  it('accepts an empty filter and a full one', () => {
    expect(fieldsOf(() => checkEventFilter({}))).toEqual([]);
    const at = new Date();
    expect(fieldsOf(() => checkEventFilter({ from: at, to: at, types: ['node.failed', 'fencing_device.added'], objectType: 'FencingDevice', nodeId: 'n', serviceId: 's' }))).toEqual([]);
  });

  it('refuses to before from', () => {
    expect(fieldsOf(() => checkEventFilter({ from: new Date(2000), to: new Date(1999) }))).toEqual(['filter.to']);
  });

  it('refuses invalid dates, types outside the catalogue and too many types', () => {
    expect(fieldsOf(() => checkEventFilter({ from: new Date(NaN) }))).toEqual(['filter.from']);
    // well-formed but unknown ("service.relocated" was the schema's own example once) matched nothing, silently
    expect(fieldsOf(() => checkEventFilter({ types: ['node.failed', 'Bad Type', '', 'service.relocated', 'node.faild'] }))).toEqual([
      'filter.types[1]',
      'filter.types[2]',
      'filter.types[3]',
      'filter.types[4]',
    ]);
    expect(fieldsOf(() => checkEventFilter({ objectType: 'Nodes' }))).toEqual(['filter.objectType']);
    const many = Array.from({ length: MAX_EVENT_TYPES_IN_FILTER + 1 }, () => 'node.failed');
    expect(fieldsOf(() => checkEventFilter({ types: many }))).toEqual(['filter.types']);
    expect(fieldsOf(() => checkEventFilter({ objectType: 'no spaces' }))).toEqual(['filter.objectType']);
  });
});
