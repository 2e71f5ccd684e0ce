import { type Connection, createConnection, type RowDataPacket } from 'mysql2/promise';

const NAME = /^[A-Za-z0-9_]{1,64}$/;

/** `adminUrl` with its database set to `name` (any database already in it is replaced). */
export function databaseUrl(adminUrl: string, name: string): string {
  const url = new URL(adminUrl);
  url.pathname = `/${assertName(name)}`;
  return url.toString();
}

/** Creates the database (utf8mb4) if it does not exist; returns its URL. */
export async function createDatabase(adminUrl: string, name: string): Promise<string> {
  const sql = `CREATE DATABASE IF NOT EXISTS \`${assertName(name)}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`;
  await withConnection(adminUrl, (c) => c.query(sql));
  return databaseUrl(adminUrl, name);
}

export async function dropDatabase(adminUrl: string, name: string): Promise<void> {
  const sql = `DROP DATABASE IF EXISTS \`${assertName(name)}\``;
  await withConnection(adminUrl, (c) => c.query(sql));
}

/** Whether the server answers `SELECT 1`; with `expectDataDir`, also whether it is the server of that datadir. */
export async function mysqlAnswers(url: string, expectDataDir?: string): Promise<boolean> {
  try {
    const rows = await withConnection(url, async (c) => {
      const [result] = await c.query<RowDataPacket[]>('SELECT 1 AS ok, @@datadir AS datadir');
      return result;
    });
    const row = rows[0];
    return row?.['ok'] === 1 && (expectDataDir === undefined || stripSlash(String(row['datadir'])) === stripSlash(expectDataDir));
  } catch {
    return false;
  }
}

async function withConnection<T>(url: string, use: (c: Connection) => Promise<T>): Promise<T> {
  // Connection errors must not hang a start-up loop: fail fast and let the caller retry.
  const connection = await createConnection({ uri: url, connectTimeout: 2_000 });
  try {
    return await use(connection);
  } finally {
    await connection.end().catch(() => connection.destroy());
  }
}

function assertName(name: string): string {
  // Names go into SQL unquoted-safe: letters, digits and underscores only.
  if (!NAME.test(name)) throw new Error(`invalid database name ${JSON.stringify(name)}: use [A-Za-z0-9_], at most 64`);
  return name;
}

const stripSlash = (path: string): string => path.replace(/\/+$/, '');
