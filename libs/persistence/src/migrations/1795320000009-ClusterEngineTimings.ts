import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Engine timings in the cluster's HA policy (issue 9): failback stabilisation and the first wait before a failed fence is tried again. */
export class ClusterEngineTimings1795320000009 implements MigrationInterface {
  name = 'ClusterEngineTimings1795320000009';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE \`clusters\` ADD \`failback_stabilisation_seconds\` int NOT NULL DEFAULT 300`);
    await queryRunner.query(`ALTER TABLE \`clusters\` ADD \`fence_retry_seconds\` int NOT NULL DEFAULT 30`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE \`clusters\` DROP COLUMN \`fence_retry_seconds\``);
    await queryRunner.query(`ALTER TABLE \`clusters\` DROP COLUMN \`failback_stabilisation_seconds\``);
  }
}
