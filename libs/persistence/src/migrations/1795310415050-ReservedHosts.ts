import type { MigrationInterface, QueryRunner } from 'typeorm';

export class ReservedHosts1795310415050 implements MigrationInterface {
  name = 'ReservedHosts1795310415050';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE \`nodes\` ADD \`reserved\` tinyint NOT NULL DEFAULT 0`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE \`nodes\` DROP COLUMN \`reserved\``);
  }
}
