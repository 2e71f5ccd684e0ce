import type { MigrationInterface, QueryRunner } from 'typeorm';

export class RecoveryRetries1795307245594 implements MigrationInterface {
  name = 'RecoveryRetries1795307245594';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE \`service_recoveries\` ADD \`target_attempts\` int NOT NULL DEFAULT '0'`);
    await queryRunner.query(`ALTER TABLE \`service_recoveries\` ADD \`retry_at\` datetime(3) NULL`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE \`service_recoveries\` DROP COLUMN \`retry_at\``);
    await queryRunner.query(`ALTER TABLE \`service_recoveries\` DROP COLUMN \`target_attempts\``);
  }
}
