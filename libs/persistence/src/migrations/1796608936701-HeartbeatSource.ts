import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Where a cluster's node liveness comes from: AGENT (as before, the default for existing
 * clusters), MANAGER (vCenter / the Hyper-V host's WinRM endpoint, no agents) or BOTH.
 */
export class HeartbeatSource1796608936701 implements MigrationInterface {
  name = 'HeartbeatSource1796608936701';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE \`clusters\` ADD \`heartbeat_source\` varchar(16) NOT NULL DEFAULT 'AGENT'`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE \`clusters\` DROP COLUMN \`heartbeat_source\``);
  }
}
