import type { MigrationInterface, QueryRunner } from 'typeorm';

export class FailoverEngine1795306287614 implements MigrationInterface {
  name = 'FailoverEngine1795306287614';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TABLE \`incidents\` (\`id\` char(36) NOT NULL, \`tenant_id\` varchar(64) NOT NULL, \`created_at\` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3), \`updated_at\` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3), \`version\` int NOT NULL, \`cluster_id\` char(36) NOT NULL, \`node_id\` char(36) NOT NULL, \`idempotency_key\` varchar(160) NOT NULL, \`state\` varchar(24) NOT NULL, \`source\` varchar(16) NOT NULL, \`reason\` varchar(1024) NULL, \`last_seen_at\` datetime(3) NULL, \`declared_at\` datetime(3) NOT NULL, \`fenced_at\` datetime(3) NULL, \`finished_at\` datetime(3) NULL, \`fencing\` json NULL, \`detector_token\` bigint NOT NULL DEFAULT '0', \`opened_at\` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3), INDEX \`IDX_b2762f1ac2613e431a588df841\` (\`tenant_id\`, \`node_id\`, \`id\`), INDEX \`IDX_106c5a388a1ba51601b8e0720f\` (\`tenant_id\`, \`cluster_id\`, \`id\`), UNIQUE INDEX \`IDX_921895bc762758ff773b963f6c\` (\`idempotency_key\`), PRIMARY KEY (\`id\`)) ENGINE=InnoDB`);
    await queryRunner.query(`CREATE TABLE \`service_recoveries\` (\`id\` char(36) NOT NULL, \`tenant_id\` varchar(64) NOT NULL, \`created_at\` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3), \`updated_at\` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3), \`version\` int NOT NULL, \`incident_id\` char(36) NOT NULL, \`service_id\` char(36) NOT NULL, \`state\` varchar(16) NOT NULL, \`priority\` int NOT NULL, \`target_node_id\` char(36) NULL, \`tried_node_ids\` json NOT NULL, \`attempts\` int NOT NULL DEFAULT '0', \`reason\` varchar(1024) NULL, \`started_at\` datetime(3) NULL, \`recovered_at\` datetime(3) NULL, \`rto_seconds\` int NULL, INDEX \`IDX_2ea9582ba55aa0839e76c32625\` (\`tenant_id\`, \`service_id\`, \`id\`), UNIQUE INDEX \`IDX_5fe485eca3b1f7ba9db0a3335c\` (\`incident_id\`, \`service_id\`), PRIMARY KEY (\`id\`)) ENGINE=InnoDB`);
    await queryRunner.query(`CREATE TABLE \`operations\` (\`id\` char(36) NOT NULL, \`tenant_id\` varchar(64) NOT NULL, \`created_at\` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3), \`updated_at\` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3), \`version\` int NOT NULL, \`cluster_id\` char(36) NOT NULL, \`kind\` varchar(32) NOT NULL, \`target_type\` varchar(32) NOT NULL, \`target_id\` char(36) NOT NULL, \`state\` varchar(16) NOT NULL, \`progress\` int NOT NULL DEFAULT '0', \`steps\` json NOT NULL, \`params\` json NOT NULL, \`error\` varchar(2048) NULL, \`attempts\` int NOT NULL DEFAULT '0', \`requested_by\` varchar(255) NOT NULL, \`idempotency_key\` varchar(160) NULL, \`started_at\` datetime(3) NULL, \`finished_at\` datetime(3) NULL, UNIQUE INDEX \`IDX_0cecc3ed830623408ab7d90a85\` (\`idempotency_key\`), INDEX \`IDX_26385e6d48c7edc11736c5d02f\` (\`tenant_id\`, \`target_id\`, \`id\`), INDEX \`IDX_92ca6327baf3fb9bd3312ad1d9\` (\`tenant_id\`, \`cluster_id\`, \`id\`), PRIMARY KEY (\`id\`)) ENGINE=InnoDB`);
    await queryRunner.query(`ALTER TABLE \`clusters\` ADD \`detector_token\` bigint NOT NULL DEFAULT '0'`);
    await queryRunner.query(`ALTER TABLE \`nodes\` ADD \`agent_token_hash\` char(64) NULL`);
    await queryRunner.query(`ALTER TABLE \`nodes\` ADD \`status_reason\` varchar(512) NULL`);
    await queryRunner.query(`ALTER TABLE \`nodes\` ADD \`status_changed_at\` datetime(3) NULL`);
    await queryRunner.query(`ALTER TABLE \`services\` ADD \`claimed_by\` varchar(64) NULL`);
    await queryRunner.query(`ALTER TABLE \`services\` ADD \`claim_expires_at\` datetime(3) NULL`);
    await queryRunner.query(`ALTER TABLE \`services\` ADD \`recent_restarts\` json NULL`);
    await queryRunner.query(`ALTER TABLE \`resources\` ADD \`vm_definition\` mediumtext NULL`);
    await queryRunner.query(`ALTER TABLE \`resources\` ADD \`vm_definition_format\` varchar(16) NULL`);
    await queryRunner.query(`ALTER TABLE \`resources\` ADD \`placed_node_id\` char(36) NULL`);
    await queryRunner.query(`ALTER TABLE \`incidents\` ADD CONSTRAINT \`FK_702485ae05da2f0b06c7eb1b7fa\` FOREIGN KEY (\`cluster_id\`) REFERENCES \`clusters\`(\`id\`) ON DELETE CASCADE ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE \`service_recoveries\` ADD CONSTRAINT \`FK_6e4c4d9df54340850fb5032b9d3\` FOREIGN KEY (\`incident_id\`) REFERENCES \`incidents\`(\`id\`) ON DELETE CASCADE ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE \`operations\` ADD CONSTRAINT \`FK_61017fdfec32d73dd044ff2e6c5\` FOREIGN KEY (\`cluster_id\`) REFERENCES \`clusters\`(\`id\`) ON DELETE CASCADE ON UPDATE NO ACTION`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE \`operations\` DROP FOREIGN KEY \`FK_61017fdfec32d73dd044ff2e6c5\``);
    await queryRunner.query(`ALTER TABLE \`service_recoveries\` DROP FOREIGN KEY \`FK_6e4c4d9df54340850fb5032b9d3\``);
    await queryRunner.query(`ALTER TABLE \`incidents\` DROP FOREIGN KEY \`FK_702485ae05da2f0b06c7eb1b7fa\``);
    await queryRunner.query(`ALTER TABLE \`resources\` DROP COLUMN \`placed_node_id\``);
    await queryRunner.query(`ALTER TABLE \`resources\` DROP COLUMN \`vm_definition_format\``);
    await queryRunner.query(`ALTER TABLE \`resources\` DROP COLUMN \`vm_definition\``);
    await queryRunner.query(`ALTER TABLE \`services\` DROP COLUMN \`recent_restarts\``);
    await queryRunner.query(`ALTER TABLE \`services\` DROP COLUMN \`claim_expires_at\``);
    await queryRunner.query(`ALTER TABLE \`services\` DROP COLUMN \`claimed_by\``);
    await queryRunner.query(`ALTER TABLE \`nodes\` DROP COLUMN \`status_changed_at\``);
    await queryRunner.query(`ALTER TABLE \`nodes\` DROP COLUMN \`status_reason\``);
    await queryRunner.query(`ALTER TABLE \`nodes\` DROP COLUMN \`agent_token_hash\``);
    await queryRunner.query(`ALTER TABLE \`clusters\` DROP COLUMN \`detector_token\``);
    await queryRunner.query(`DROP INDEX \`IDX_92ca6327baf3fb9bd3312ad1d9\` ON \`operations\``);
    await queryRunner.query(`DROP INDEX \`IDX_26385e6d48c7edc11736c5d02f\` ON \`operations\``);
    await queryRunner.query(`DROP INDEX \`IDX_0cecc3ed830623408ab7d90a85\` ON \`operations\``);
    await queryRunner.query(`DROP TABLE \`operations\``);
    await queryRunner.query(`DROP INDEX \`IDX_5fe485eca3b1f7ba9db0a3335c\` ON \`service_recoveries\``);
    await queryRunner.query(`DROP INDEX \`IDX_2ea9582ba55aa0839e76c32625\` ON \`service_recoveries\``);
    await queryRunner.query(`DROP TABLE \`service_recoveries\``);
    await queryRunner.query(`DROP INDEX \`IDX_921895bc762758ff773b963f6c\` ON \`incidents\``);
    await queryRunner.query(`DROP INDEX \`IDX_106c5a388a1ba51601b8e0720f\` ON \`incidents\``);
    await queryRunner.query(`DROP INDEX \`IDX_b2762f1ac2613e431a588df841\` ON \`incidents\``);
    await queryRunner.query(`DROP TABLE \`incidents\``);
  }
}
