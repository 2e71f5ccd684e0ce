/** Where progress lines go: `console.log`, a prefixing logger, or nothing. */
export type Log = (line: string) => void;

export const silent: Log = () => undefined;
