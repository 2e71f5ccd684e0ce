/**
 * Database migrations. `run` applies pending ones to HAAAS_DB_URL; `generate <Name>` writes a new
 * migration with the SQL that brings a database (after the existing migrations) in line with the
 * entities. Migrations are the only way the schema changes (ADR 0004).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createDataSource, runMigrations } from '@haaas/persistence';

async function main(): Promise<void> {
  const [command, name] = process.argv.slice(2);
  const url = process.env.HAAAS_DB_URL;
  if (!url) throw new Error('HAAAS_DB_URL is not set (mysql://user:password@host:port/database)');
  if (command === 'run') {
    const done = await runMigrations({ url });
    console.log(done.length ? `applied: ${done.join(', ')}` : 'no pending migrations');
    return;
  }
  if (command === 'generate') {
    if (!name || !/^[A-Z][A-Za-z0-9]+$/.test(name)) throw new Error('usage: migrate generate <PascalCaseName>');
    await runMigrations({ url });
    const ds = createDataSource({ url });
    await ds.initialize();
    try {
      const log = await ds.driver.createSchemaBuilder().log();
      if (log.upQueries.length === 0) {
        console.log('entities and migrations agree: nothing to generate');
        return;
      }
      const ts = Date.now();
      const quote = (q: string) => '`' + q.replace(/\\/g, '\\\\').replace(/`/g, '\\`').replace(/\$\{/g, '\\${') + '`';
      const up = log.upQueries.map((q) => `    await queryRunner.query(${quote(q.query)});`).join('\n');
      const down = log.downQueries.reverse().map((q) => `    await queryRunner.query(${quote(q.query)});`).join('\n');
      const file = join(__dirname, '..', 'libs', 'persistence', 'src', 'migrations', `${ts}-${name}.ts`);
      writeFileSync(
        file,
        `import type { MigrationInterface, QueryRunner } from 'typeorm';\n\nexport class ${name}${ts} implements MigrationInterface {\n  name = '${name}${ts}';\n\n  async up(queryRunner: QueryRunner): Promise<void> {\n${up}\n  }\n\n  async down(queryRunner: QueryRunner): Promise<void> {\n${down}\n  }\n}\n`,
      );
      console.log(`wrote ${file}; add it to MIGRATIONS in libs/persistence/src/migrations/index.ts`);
    } finally {
      await ds.destroy();
    }
    return;
  }
  throw new Error('usage: migrate run | migrate generate <Name>');
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
