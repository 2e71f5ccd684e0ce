import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The audit log of tenant-level and admin actions, append-only: triggers refuse every UPDATE and
 * DELETE, whoever sends them (the application has no such path either).
 */
export class AuditLog1796658242212 implements MigrationInterface {
  name = 'AuditLog1796658242212';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TABLE \`audit_log\` (\`id\` char(36) NOT NULL, \`at\` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3), \`tenant_id\` varchar(64) NOT NULL, \`actor\` varchar(255) NOT NULL, \`action\` varchar(64) NOT NULL, \`target_type\` varchar(32) NOT NULL, \`target_id\` varchar(64) NOT NULL, \`details\` json NULL, \`request_id\` varchar(128) NULL, INDEX \`IDX_7265cf4ae3bb55c806e54e5436\` (\`tenant_id\`, \`id\`), INDEX \`IDX_3f97d0f67627908f232650a97c\` (\`action\`, \`id\`), PRIMARY KEY (\`id\`)) ENGINE=InnoDB`);
    await queryRunner.query(`CREATE TRIGGER \`audit_log_no_update\` BEFORE UPDATE ON \`audit_log\` FOR EACH ROW SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'audit_log is append-only'`);
    await queryRunner.query(`CREATE TRIGGER \`audit_log_no_delete\` BEFORE DELETE ON \`audit_log\` FOR EACH ROW SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'audit_log is append-only'`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TRIGGER \`audit_log_no_delete\``);
    await queryRunner.query(`DROP TRIGGER \`audit_log_no_update\``);
    await queryRunner.query(`DROP INDEX \`IDX_3f97d0f67627908f232650a97c\` ON \`audit_log\``);
    await queryRunner.query(`DROP INDEX \`IDX_7265cf4ae3bb55c806e54e5436\` ON \`audit_log\``);
    await queryRunner.query(`DROP TABLE \`audit_log\``);
  }
}
