/**
 * PowerShell scripts as WinRM runs them: `powershell -NoProfile -NonInteractive -EncodedCommand
 * <base64 of UTF-16LE>`, which needs no quoting of the script for cmd.exe, and a wrapper that
 * makes every failure a terminating error and reports it as one JSON line on stderr (the error
 * record's category, id, exception type and message), so errors are mapped on facts, not on
 * localized text.
 */

/** Marks the wrapper's error line among whatever else PowerShell writes to stderr (CLIXML). */
export const ERROR_MARKER = '##haaas-error##';

/** A PowerShell single-quoted string literal; PowerShell also takes the typographic quotes as quotes. */
export function psQuote(value: string): string {
  return `'${value.replace(/['\u2018\u2019\u201a\u201b]/g, '$&$&')}'`;
}

export function encodeCommand(script: string): string {
  return `powershell -NoProfile -NonInteractive -EncodedCommand ${Buffer.from(script, 'utf16le').toString('base64')}`;
}

/**
 * The script around an operation's body. Stop on every error; no progress records (they come
 * as CLIXML on stderr); UTF-8 output, for VM names beyond ASCII.
 */
export function wrapScript(body: string): string {
  return (
    "$ErrorActionPreference='Stop';$ProgressPreference='SilentlyContinue';[Console]::OutputEncoding=[Text.Encoding]::UTF8\n" +
    `try{\n${body}\n}catch{$e=$_;[Console]::Error.WriteLine('${ERROR_MARKER}'+(ConvertTo-Json -Compress -InputObject @{` +
    'category=[string]$e.CategoryInfo.Category;reason=[string]$e.CategoryInfo.Reason;id=[string]$e.FullyQualifiedErrorId;' +
    'type=$e.Exception.GetType().FullName;message=[string]$e.Exception.Message}));exit 1}'
  );
}

/** The command line for an operation's script body. */
export function powershellCommand(body: string): string {
  return encodeCommand(wrapScript(body));
}
