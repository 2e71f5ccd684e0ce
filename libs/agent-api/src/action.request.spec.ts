import { parseActionResult, parseNextRequest, validActionId } from './action.request';

const valid = () => ({ ok: false, outcome: 'FAILED', exitCode: 7, detail: 'start command: exit code 7', stderr: 'line 1\n\tline 2', latencyMs: 12 });

describe('parseActionResult', () => {
  it('reads a result, keeping the line breaks of stderr', () => {
    expect(parseActionResult(valid())).toEqual({ result: valid() });
  });

  it('takes a monitor that ran and found the resource down (ok: false, DONE), and ignores unknown fields', () => {
    expect(parseActionResult({ ok: false, outcome: 'DONE', exitCode: null, detail: 'nothing is mounted on /srv', latencyMs: 0, future: 1 }).result).toEqual({
      ok: false,
      outcome: 'DONE',
      exitCode: null,
      detail: 'nothing is mounted on /srv',
      latencyMs: 0,
    });
  });

  it('reports every bad field at once', () => {
    const parsed = parseActionResult({ ok: 1, outcome: 'SORT_OF', detail: 'a\nb', stderr: 'bell\u0007', latencyMs: 1.5 });
    expect(parsed.problems?.map((p) => p.field)).toEqual(['ok', 'outcome', 'exitCode', 'detail', 'stderr', 'latencyMs']);
  });

  it.each([
    ['a success that says FAILED', { ...valid(), ok: true }, 'outcome'],
    ['an exit code out of range', { ...valid(), exitCode: 256 }, 'exitCode'],
    ['a long detail', { ...valid(), detail: 'x'.repeat(1025) }, 'detail'],
    ['a long stderr', { ...valid(), stderr: 'x'.repeat(4097) }, 'stderr'],
    ['an array', [valid()], '(body)'],
  ])('refuses %s (at %s)', (_label, body, field) => {
    expect(parseActionResult(body).problems?.map((p) => p.field)).toContain(field);
  });
});

describe('parseNextRequest', () => {
  it('defaults the wait to 25 s and bounds it to 30', () => {
    expect(parseNextRequest({})).toEqual({ waitSeconds: 25 });
    expect(parseNextRequest({ waitSeconds: 0, agentVersion: '0.1.0' })).toEqual({ waitSeconds: 0 });
    expect(parseNextRequest({ waitSeconds: 31 }).problems?.map((p) => p.field)).toEqual(['waitSeconds']);
    expect(parseNextRequest('x').problems?.map((p) => p.field)).toEqual(['(body)']);
  });
});

describe('validActionId', () => {
  it('takes the engine\'s UUIDs only', () => {
    expect(validActionId('0b7e3f0c-1d2a-4c3b-9e8f-0123456789ab')).toBe(true);
    expect(validActionId('../heartbeat')).toBe(false);
  });
});
