import { CREDENTIAL_PROMPT, frameInput, markerFor, PROMPT, stdoutOfFrame, takeStderrFrame, takeStdoutFrame } from './virsh-session.frame';

// Byte streams as an interactive `virsh -q` prints them when its stdin is a pipe (captured with od -c).
describe('interactive virsh framing', () => {
  const m1 = markerFor('ab12', 1);
  const m2 = markerFor('ab12', 2);

  it('writes the command and both markers', () => {
    expect(frameInput("'domstate' 'test'", m1)).toBe(`'domstate' 'test'\necho --err ${m1}\necho ${m1}\n`);
  });

  it('cuts one command\'s stdout out of the stream, leaving the next prompt', () => {
    const stream = `'domstate' 'test'\nshut off\nvirsh # echo --err ${m1}\nvirsh # echo ${m1}\n${m1}virsh # `;
    const taken = takeStdoutFrame(stream, m1);
    expect(taken?.rest).toBe('virsh # ');
    expect(stdoutOfFrame(taken?.frame ?? '', m1)).toBe('shut off\n');
    expect(takeStdoutFrame(stream.slice(0, 40), m1)).toBeUndefined();
  });

  it('handles the prompt in front, output without a final newline, and empty output', () => {
    const second = `virsh # 'echo' 'x'\nxvirsh # echo --err ${m2}\nvirsh # echo ${m2}\n${m2}`;
    expect(stdoutOfFrame(takeStdoutFrame(second, m2)?.frame ?? '', m2)).toBe('x');
    const empty = `virsh # 'start' 'vm'\nvirsh # echo --err ${m2}\nvirsh # echo ${m2}\n${m2}`;
    expect(stdoutOfFrame(takeStdoutFrame(empty, m2)?.frame ?? '', m2)).toBe('');
  });

  it('is not fooled by an older marker or by output that mentions the marker text without the newline', () => {
    const stream = `'x'\necho ${m1}virsh # echo --err ${m2}\nvirsh # echo ${m2}\n${m2}`;
    expect(takeStdoutFrame(stream, m1)).toBeUndefined();
    expect(takeStdoutFrame(stream, m2)).toBeDefined();
  });

  it('refuses a frame of another shape', () => {
    expect(stdoutOfFrame(`garbage\n${m1}`, m1)).toBeUndefined();
  });

  it('cuts stderr at its marker', () => {
    const stderr = `error: failed to get domain 'x'\nerror: ${m1}\nerror: ${m2}\n`;
    expect(takeStderrFrame(stderr, m1)).toEqual({ frame: "error: failed to get domain 'x'\n", rest: `error: ${m2}\n` });
    expect(takeStderrFrame('error: partial', m1)).toBeUndefined();
  });

  it('recognises the prompt and credential questions', () => {
    expect(PROMPT.test('virsh # ')).toBe(true);
    expect(PROMPT.test('virsh > ')).toBe(true);
    expect(PROMPT.test('virsh # x')).toBe(false);
    expect(CREDENTIAL_PROMPT.test('Please enter your authentication name: ')).toBe(true);
    expect(CREDENTIAL_PROMPT.test('<description>Please enter your password: </description>\n')).toBe(false);
  });
});
