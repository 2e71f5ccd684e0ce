import { addLogContext, runWithLogContext } from './log-context';
import { createLogger } from './logger.factory';
import { REDACTED } from './redact';

function capture(): { lines: string[]; write(s: string): void } {
  const lines: string[] = [];
  return { lines, write: (s: string) => void lines.push(...s.split('\n').filter(Boolean)) };
}

describe('createLogger', () => {
  it('writes JSON lines with the level by name, the service and an ISO time', () => {
    const out = capture();
    createLogger({ service: 'api', format: 'json', level: 'info', destination: out }).info('hello');
    expect(JSON.parse(out.lines[0] ?? '{}')).toMatchObject({ level: 'info', service: 'api', msg: 'hello', time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) });
  });

  it('redacts secrets wherever a logged object carries them', () => {
    const out = capture();
    const logger = createLogger({ service: 'worker', format: 'json', level: 'info', destination: out });
    logger.info(
      {
        password: 'pw-top',
        node: { password: 'pw-node', uri: 'qemu+ssh://h/system' },
        device: { secretOptions: [{ name: 'password', value: 'pw-fence' }], options: { passwd: 'pw-opt' } },
        webhook: { secret: 'whsec-1' },
        req: { headers: { authorization: 'Bearer tok-1', cookie: 'c=1', accept: '*/*' } },
        token: 'agent-tok',
      },
      'with secrets',
    );
    const line = out.lines.join('\n');
    for (const secret of ['pw-top', 'pw-node', 'pw-fence', 'pw-opt', 'whsec-1', 'tok-1', 'c=1', 'agent-tok']) expect(line).not.toContain(secret);
    const record = JSON.parse(line) as { node: { uri: string; password: string }; req: { headers: { accept: string } } };
    expect(record.node).toEqual({ uri: 'qemu+ssh://h/system', password: REDACTED });
    expect(record.req.headers.accept).toBe('*/*');
  });

  it('mixes the unit of work\'s fields into every line, nested contexts adding to the outer one', async () => {
    const out = capture();
    const logger = createLogger({ service: 'worker', format: 'json', level: 'info', destination: out });
    await runWithLogContext({ incidentId: 'inc-1' }, async () => {
      logger.info('outer');
      await runWithLogContext({ operationId: 'op-1' }, async () => {
        addLogContext({ nodeId: 'n-1' });
        await Promise.resolve();
        logger.info({ extra: 1 }, 'inner');
      });
      logger.info('after');
    });
    logger.info('outside');
    const records = out.lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(records[0]).toMatchObject({ msg: 'outer', incidentId: 'inc-1' });
    expect(records[1]).toMatchObject({ msg: 'inner', incidentId: 'inc-1', operationId: 'op-1', nodeId: 'n-1', extra: 1 });
    expect(records[2]).toMatchObject({ msg: 'after', incidentId: 'inc-1' });
    expect(records[2]).not.toHaveProperty('operationId');
    expect(records[2]).not.toHaveProperty('extra');
    expect(records[3]).not.toHaveProperty('incidentId');
  });

  it('writes a readable form through pino-pretty', () => {
    const out = capture();
    createLogger({ service: 'api', format: 'pretty', level: 'info', destination: out }).info({ password: 'pw-pretty' }, 'for people');
    const text = out.lines.join('\n');
    expect(text).toMatch(/INFO.*for people/);
    expect(text).not.toContain('pw-pretty');
    expect(() => JSON.parse(out.lines[0] ?? '')).toThrow();
  });
});
