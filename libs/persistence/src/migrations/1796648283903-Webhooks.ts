import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Outbound webhooks per cluster and their delivery log (@haaas/webhooks). */
export class Webhooks1796648283903 implements MigrationInterface {
  name = 'Webhooks1796648283903';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TABLE \`webhooks\` (\`id\` char(36) NOT NULL, \`tenant_id\` varchar(64) NOT NULL, \`created_at\` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3), \`updated_at\` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3), \`version\` int NOT NULL, \`cluster_id\` char(36) NOT NULL, \`url\` varchar(2048) NOT NULL, \`event_types\` json NOT NULL, \`enabled\` tinyint NOT NULL DEFAULT 1, \`description\` varchar(255) NOT NULL DEFAULT '', \`secret\` text NOT NULL, INDEX \`IDX_76fafd7884c7d03b4437960767\` (\`tenant_id\`, \`cluster_id\`, \`id\`), PRIMARY KEY (\`id\`)) ENGINE=InnoDB`);
    await queryRunner.query(`CREATE TABLE \`webhook_deliveries\` (\`id\` char(36) NOT NULL, \`tenant_id\` varchar(64) NOT NULL, \`created_at\` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3), \`updated_at\` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3), \`version\` int NOT NULL, \`webhook_id\` char(36) NOT NULL, \`cluster_id\` char(36) NOT NULL, \`event_id\` char(36) NOT NULL, \`event_type\` varchar(64) NOT NULL, \`body\` mediumtext NOT NULL, \`status\` varchar(16) NOT NULL, \`attempts\` int NOT NULL DEFAULT '0', \`last_status_code\` int NULL, \`last_error\` varchar(500) NULL, \`last_attempt_at\` datetime(3) NULL, \`delivered_at\` datetime(3) NULL, INDEX \`IDX_948c45a179697342959ae172c1\` (\`status\`, \`id\`), INDEX \`IDX_7a5a1cca67ce455389c56cc672\` (\`tenant_id\`, \`webhook_id\`, \`id\`), UNIQUE INDEX \`IDX_a52bf6a0fd47889d3e974d2cc8\` (\`webhook_id\`, \`event_id\`, \`event_type\`), PRIMARY KEY (\`id\`)) ENGINE=InnoDB`);
    await queryRunner.query(`ALTER TABLE \`webhooks\` ADD CONSTRAINT \`FK_926efb2966bb3e89a20d91dfd14\` FOREIGN KEY (\`cluster_id\`) REFERENCES \`clusters\`(\`id\`) ON DELETE CASCADE ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE \`webhook_deliveries\` ADD CONSTRAINT \`FK_a0286aeb96db651efd1ae2966f2\` FOREIGN KEY (\`webhook_id\`) REFERENCES \`webhooks\`(\`id\`) ON DELETE CASCADE ON UPDATE NO ACTION`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE \`webhook_deliveries\` DROP FOREIGN KEY \`FK_a0286aeb96db651efd1ae2966f2\``);
    await queryRunner.query(`ALTER TABLE \`webhooks\` DROP FOREIGN KEY \`FK_926efb2966bb3e89a20d91dfd14\``);
    await queryRunner.query(`DROP INDEX \`IDX_a52bf6a0fd47889d3e974d2cc8\` ON \`webhook_deliveries\``);
    await queryRunner.query(`DROP INDEX \`IDX_7a5a1cca67ce455389c56cc672\` ON \`webhook_deliveries\``);
    await queryRunner.query(`DROP INDEX \`IDX_948c45a179697342959ae172c1\` ON \`webhook_deliveries\``);
    await queryRunner.query(`DROP TABLE \`webhook_deliveries\``);
    await queryRunner.query(`DROP INDEX \`IDX_76fafd7884c7d03b4437960767\` ON \`webhooks\``);
    await queryRunner.query(`DROP TABLE \`webhooks\``);
  }
}
