/**
 * Framing of an interactive virsh (`virsh -q -c URI` reading commands on a pipe).
 *
 * virsh has no machine protocol: it prints a prompt, readline echoes each line it reads, and a
 * failed command prints `error: ...` on stderr without any status. So each command is followed by
 * two markers virsh echoes back, one per stream:
 *
 *     <command>\necho --err <M>\necho <M>\n
 *
 * stdout then reads `[virsh # ]<command>\n<output>virsh # echo --err <M>\nvirsh # echo <M>\n<M>`
 * and stderr `<errors>error: <M>\n`. The marker holds a random nonce per process and a counter, so
 * no output (a VM name, a domain XML) can fake it, and a late frame is never taken for the next one.
 */

/** The prompt readline prints: `virsh # `, or `virsh > ` on a read-only connection. */
export const PROMPT = /virsh [#>] $/;

export function markerFor(nonce: string, seq: number): string {
  return `HAAAS${nonce}N${seq}`;
}

/** The text to write for one command. */
export function frameInput(line: string, marker: string): string {
  return `${line}\necho --err ${marker}\necho ${marker}\n`;
}

export interface Taken {
  readonly frame: string;
  readonly rest: string;
}

/** The stdout of one command once complete: everything up to the echoed marker. */
export function takeStdoutFrame(buffer: string, marker: string): Taken | undefined {
  const end = `\n${marker}`;
  const i = buffer.indexOf(end);
  if (i < 0) return undefined;
  const stop = i + end.length;
  return { frame: buffer.slice(0, stop), rest: buffer.slice(stop) };
}

/** The stderr of one command once complete: everything up to `error: <marker>`. */
export function takeStderrFrame(buffer: string, marker: string): Taken | undefined {
  const end = `error: ${marker}\n`;
  const i = buffer.indexOf(end);
  if (i < 0) return undefined;
  return { frame: buffer.slice(0, i), rest: buffer.slice(i + end.length) };
}

/**
 * The command's own output from a stdout frame: drop the prompt and the echoed command line in
 * front, and the two marker commands behind. Undefined when the frame does not have that shape
 * (the session is then no longer trusted and is restarted).
 */
export function stdoutOfFrame(frame: string, marker: string): string | undefined {
  let text = frame.replace(/^\s*virsh [#>] /, '');
  const lineEnd = text.indexOf('\n');
  if (lineEnd < 0) return undefined;
  text = text.slice(lineEnd + 1);
  const tail = `echo --err ${marker}\n`;
  const t = text.lastIndexOf(tail);
  if (t < 0) return undefined;
  const before = text.slice(0, t);
  const prompt = /virsh [#>] $/.exec(before);
  if (!prompt) return undefined;
  return before.slice(0, prompt.index);
}

/**
 * libvirt asks for credentials on virsh's stdin (the auth file lacks them, or the server wants
 * others) and waits: the question is then the last thing printed. Anchored at the end so that a
 * domain XML quoting these words is not taken for it.
 */
export const CREDENTIAL_PROMPT = /Please enter your [^\n]*: ?$/;
