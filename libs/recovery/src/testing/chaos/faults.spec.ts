import { FAULT_KINDS, faultSchedule, seededRandom } from './faults';

describe('the fault schedule', () => {
  it('is the same for the same seed and differs for another', () => {
    expect(faultSchedule(25, seededRandom(7))).toEqual(faultSchedule(25, seededRandom(7)));
    expect(faultSchedule(25, seededRandom(7))).not.toEqual(faultSchedule(25, seededRandom(8)));
  });

  it('covers every kind in each run of as many faults as there are kinds', () => {
    const s = faultSchedule(FAULT_KINDS.length * 3, seededRandom(1));
    for (let i = 0; i < 3; i++) expect(new Set(s.slice(i * FAULT_KINDS.length, (i + 1) * FAULT_KINDS.length)).size).toBe(FAULT_KINDS.length);
  });
});
