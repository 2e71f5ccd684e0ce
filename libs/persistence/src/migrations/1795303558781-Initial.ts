import type { MigrationInterface, QueryRunner } from 'typeorm';

export class Initial1795303558781 implements MigrationInterface {
  name = 'Initial1795303558781';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TABLE \`clusters\` (\`id\` char(36) NOT NULL, \`tenant_id\` varchar(64) NOT NULL, \`created_at\` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3), \`updated_at\` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3), \`version\` int NOT NULL, \`name\` varchar(63) NOT NULL, \`description\` varchar(1024) NULL, \`hypervisor\` varchar(16) NOT NULL, \`state\` varchar(16) NOT NULL DEFAULT 'STOPPED', \`heartbeat_interval_seconds\` int NOT NULL, \`deadtime_seconds\` int NOT NULL, \`fencing_required\` tinyint NOT NULL, \`min_healthy_nodes\` int NOT NULL, \`attributes\` json NOT NULL, INDEX \`IDX_d38cafdaf7f8b1f0261dbd5205\` (\`tenant_id\`, \`id\`), UNIQUE INDEX \`IDX_4ba4f7bbb1e2e0e48ef324756b\` (\`tenant_id\`, \`name\`), PRIMARY KEY (\`id\`)) ENGINE=InnoDB`);
    await queryRunner.query(`CREATE TABLE \`events\` (\`id\` char(36) NOT NULL, \`tenant_id\` varchar(64) NOT NULL, \`cluster_id\` char(36) NOT NULL, \`at\` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3), \`actor\` varchar(255) NOT NULL, \`type\` varchar(64) NOT NULL, \`object_type\` varchar(32) NOT NULL, \`object_id\` char(36) NOT NULL, \`node_id\` char(36) NULL, \`service_id\` char(36) NULL, \`before\` json NULL, \`after\` json NULL, \`message\` varchar(1024) NULL, INDEX \`IDX_8a922403cb63401293d4cd43f9\` (\`tenant_id\`, \`cluster_id\`, \`type\`, \`id\`), INDEX \`IDX_ebaae2a98eab446f5557fd6439\` (\`tenant_id\`, \`cluster_id\`, \`service_id\`, \`id\`), INDEX \`IDX_61a5c7bf1c4cec49cb55ae8248\` (\`tenant_id\`, \`cluster_id\`, \`node_id\`, \`id\`), INDEX \`IDX_42a57436ca11b189a481f76aea\` (\`tenant_id\`, \`cluster_id\`, \`id\`), PRIMARY KEY (\`id\`)) ENGINE=InnoDB`);
    await queryRunner.query(`CREATE TABLE \`nodes\` (\`id\` char(36) NOT NULL, \`tenant_id\` varchar(64) NOT NULL, \`created_at\` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3), \`updated_at\` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3), \`version\` int NOT NULL, \`cluster_id\` char(36) NOT NULL, \`hostname\` varchar(253) NOT NULL, \`kind\` varchar(16) NOT NULL, \`status\` varchar(24) NOT NULL DEFAULT 'OFFLINE', \`maintenance\` tinyint NOT NULL DEFAULT 0, \`endpoint_uri\` varchar(1024) NOT NULL, \`endpoint_username\` varchar(255) NULL, \`endpoint_secret\` text NULL, \`check_address\` varchar(255) NULL, \`cpus\` int NOT NULL, \`memory_mb\` int NOT NULL, \`attributes\` json NOT NULL, INDEX \`IDX_695f6c26b5efe8f18a28d2fcf2\` (\`tenant_id\`, \`cluster_id\`, \`id\`), UNIQUE INDEX \`IDX_dc6bd3e673572d8719b008fe3c\` (\`tenant_id\`, \`hostname\`), PRIMARY KEY (\`id\`)) ENGINE=InnoDB`);
    await queryRunner.query(`CREATE TABLE \`failover_domains\` (\`id\` char(36) NOT NULL, \`tenant_id\` varchar(64) NOT NULL, \`created_at\` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3), \`updated_at\` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3), \`version\` int NOT NULL, \`cluster_id\` char(36) NOT NULL, \`name\` varchar(63) NOT NULL, \`ordered\` tinyint NOT NULL, \`restricted\` tinyint NOT NULL, \`nofailback\` tinyint NOT NULL, INDEX \`IDX_2f7018a22ac35189ae0dd51d71\` (\`tenant_id\`, \`cluster_id\`, \`id\`), UNIQUE INDEX \`IDX_85a99ad3e3810648980a59c952\` (\`tenant_id\`, \`cluster_id\`, \`name\`), PRIMARY KEY (\`id\`)) ENGINE=InnoDB`);
    await queryRunner.query(`CREATE TABLE \`failover_domain_members\` (\`domain_id\` char(36) NOT NULL, \`node_id\` char(36) NOT NULL, \`tenant_id\` varchar(64) NOT NULL, \`priority\` int NOT NULL, INDEX \`IDX_3558a62e51d04477cc597ef338\` (\`tenant_id\`, \`domain_id\`), PRIMARY KEY (\`domain_id\`, \`node_id\`)) ENGINE=InnoDB`);
    await queryRunner.query(`CREATE TABLE \`fencing_devices\` (\`id\` char(36) NOT NULL, \`tenant_id\` varchar(64) NOT NULL, \`created_at\` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3), \`updated_at\` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3), \`version\` int NOT NULL, \`cluster_id\` char(36) NOT NULL, \`name\` varchar(63) NOT NULL, \`agent\` varchar(64) NOT NULL, \`options\` json NOT NULL, \`secret_options\` text NULL, INDEX \`IDX_30178712a97262d35bc95650b1\` (\`tenant_id\`, \`cluster_id\`, \`id\`), UNIQUE INDEX \`IDX_a204fbbea2583745ffa001e3e9\` (\`tenant_id\`, \`cluster_id\`, \`name\`), PRIMARY KEY (\`id\`)) ENGINE=InnoDB`);
    await queryRunner.query(`CREATE TABLE \`fencing_associations\` (\`id\` char(36) NOT NULL, \`tenant_id\` varchar(64) NOT NULL, \`created_at\` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3), \`updated_at\` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3), \`version\` int NOT NULL, \`device_id\` char(36) NOT NULL, \`node_id\` char(36) NOT NULL, \`level\` int NOT NULL, \`options\` json NOT NULL, \`secret_options\` text NULL, INDEX \`IDX_4634bea2e5e9c2576fe846c7f9\` (\`tenant_id\`, \`node_id\`, \`level\`), UNIQUE INDEX \`IDX_e525a5ef7007396a336eec13b5\` (\`device_id\`, \`node_id\`), PRIMARY KEY (\`id\`)) ENGINE=InnoDB`);
    await queryRunner.query(`CREATE TABLE \`services\` (\`id\` char(36) NOT NULL, \`tenant_id\` varchar(64) NOT NULL, \`created_at\` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3), \`updated_at\` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3), \`version\` int NOT NULL, \`cluster_id\` char(36) NOT NULL, \`name\` varchar(63) NOT NULL, \`state\` varchar(16) NOT NULL DEFAULT 'STOPPED', \`current_node_id\` char(36) NULL, \`failover_domain_id\` char(36) NULL, \`priority\` int NOT NULL, \`recovery_action\` varchar(16) NOT NULL, \`start_timeout_seconds\` int NOT NULL, \`stop_timeout_seconds\` int NOT NULL, \`max_restarts\` int NOT NULL, \`restart_window_seconds\` int NOT NULL, \`max_relocations\` int NOT NULL, \`autostart\` tinyint NOT NULL, \`anti_affinity_group\` varchar(63) NULL, \`recovery_time_objective_seconds\` int NULL, \`attributes\` json NOT NULL, INDEX \`IDX_2ff5cefc4ff8194501cc07498c\` (\`tenant_id\`, \`cluster_id\`, \`id\`), UNIQUE INDEX \`IDX_c1765177507174f7f218149e23\` (\`tenant_id\`, \`cluster_id\`, \`name\`), PRIMARY KEY (\`id\`)) ENGINE=InnoDB`);
    await queryRunner.query(`CREATE TABLE \`resources\` (\`id\` char(36) NOT NULL, \`tenant_id\` varchar(64) NOT NULL, \`created_at\` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3), \`updated_at\` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3), \`version\` int NOT NULL, \`cluster_id\` char(36) NOT NULL, \`name\` varchar(63) NOT NULL, \`type\` varchar(16) NOT NULL, \`spec\` json NOT NULL, \`service_id\` char(36) NULL, \`position\` int NULL, \`attributes\` json NOT NULL, INDEX \`IDX_e0296654e4ceaf32a03f0b702c\` (\`tenant_id\`, \`service_id\`, \`position\`), INDEX \`IDX_a0ac34737d989b54915e785bed\` (\`tenant_id\`, \`cluster_id\`, \`id\`), UNIQUE INDEX \`IDX_2456610981a18f12106330e48c\` (\`tenant_id\`, \`cluster_id\`, \`name\`), PRIMARY KEY (\`id\`)) ENGINE=InnoDB`);
    await queryRunner.query(`CREATE TABLE \`tenants\` (\`id\` varchar(64) NOT NULL, \`display_name\` varchar(255) NULL, \`max_clusters\` int NULL, \`max_nodes\` int NULL, \`max_resources\` int NULL, \`max_services\` int NULL, \`created_at\` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3), \`updated_at\` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3), PRIMARY KEY (\`id\`)) ENGINE=InnoDB`);
    await queryRunner.query(`ALTER TABLE \`events\` ADD CONSTRAINT \`FK_a206b9cbab9efc4a9cf009e6205\` FOREIGN KEY (\`cluster_id\`) REFERENCES \`clusters\`(\`id\`) ON DELETE CASCADE ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE \`nodes\` ADD CONSTRAINT \`FK_1e6db25be4b515e345ed1657180\` FOREIGN KEY (\`cluster_id\`) REFERENCES \`clusters\`(\`id\`) ON DELETE CASCADE ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE \`failover_domains\` ADD CONSTRAINT \`FK_d0ad3665a4a4b0ab24b98e77197\` FOREIGN KEY (\`cluster_id\`) REFERENCES \`clusters\`(\`id\`) ON DELETE CASCADE ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE \`failover_domain_members\` ADD CONSTRAINT \`FK_65df6501d2ee1da2569400dd0f0\` FOREIGN KEY (\`domain_id\`) REFERENCES \`failover_domains\`(\`id\`) ON DELETE CASCADE ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE \`failover_domain_members\` ADD CONSTRAINT \`FK_435fdfc65b15a23df6b312cd5e3\` FOREIGN KEY (\`node_id\`) REFERENCES \`nodes\`(\`id\`) ON DELETE CASCADE ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE \`fencing_devices\` ADD CONSTRAINT \`FK_29d00b38f3a55f9ce5a586e6e96\` FOREIGN KEY (\`cluster_id\`) REFERENCES \`clusters\`(\`id\`) ON DELETE CASCADE ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE \`fencing_associations\` ADD CONSTRAINT \`FK_c21df43f7ff9dc3268c8bc7d3a5\` FOREIGN KEY (\`device_id\`) REFERENCES \`fencing_devices\`(\`id\`) ON DELETE CASCADE ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE \`fencing_associations\` ADD CONSTRAINT \`FK_e75053760ab54f8d06c5f5cadc0\` FOREIGN KEY (\`node_id\`) REFERENCES \`nodes\`(\`id\`) ON DELETE CASCADE ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE \`services\` ADD CONSTRAINT \`FK_c09614f34c6af691fd7097043ec\` FOREIGN KEY (\`cluster_id\`) REFERENCES \`clusters\`(\`id\`) ON DELETE CASCADE ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE \`services\` ADD CONSTRAINT \`FK_68d61d022ee830f2449cd8d59b9\` FOREIGN KEY (\`current_node_id\`) REFERENCES \`nodes\`(\`id\`) ON DELETE SET NULL ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE \`services\` ADD CONSTRAINT \`FK_c29364b4c384285be85b85bf0c9\` FOREIGN KEY (\`failover_domain_id\`) REFERENCES \`failover_domains\`(\`id\`) ON DELETE SET NULL ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE \`resources\` ADD CONSTRAINT \`FK_cbf96ddee0da8c59d60645d677c\` FOREIGN KEY (\`cluster_id\`) REFERENCES \`clusters\`(\`id\`) ON DELETE CASCADE ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE \`resources\` ADD CONSTRAINT \`FK_f143fe023a5ccd20ad1709d475c\` FOREIGN KEY (\`service_id\`) REFERENCES \`services\`(\`id\`) ON DELETE SET NULL ON UPDATE NO ACTION`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE \`resources\` DROP FOREIGN KEY \`FK_f143fe023a5ccd20ad1709d475c\``);
    await queryRunner.query(`ALTER TABLE \`resources\` DROP FOREIGN KEY \`FK_cbf96ddee0da8c59d60645d677c\``);
    await queryRunner.query(`ALTER TABLE \`services\` DROP FOREIGN KEY \`FK_c29364b4c384285be85b85bf0c9\``);
    await queryRunner.query(`ALTER TABLE \`services\` DROP FOREIGN KEY \`FK_68d61d022ee830f2449cd8d59b9\``);
    await queryRunner.query(`ALTER TABLE \`services\` DROP FOREIGN KEY \`FK_c09614f34c6af691fd7097043ec\``);
    await queryRunner.query(`ALTER TABLE \`fencing_associations\` DROP FOREIGN KEY \`FK_e75053760ab54f8d06c5f5cadc0\``);
    await queryRunner.query(`ALTER TABLE \`fencing_associations\` DROP FOREIGN KEY \`FK_c21df43f7ff9dc3268c8bc7d3a5\``);
    await queryRunner.query(`ALTER TABLE \`fencing_devices\` DROP FOREIGN KEY \`FK_29d00b38f3a55f9ce5a586e6e96\``);
    await queryRunner.query(`ALTER TABLE \`failover_domain_members\` DROP FOREIGN KEY \`FK_435fdfc65b15a23df6b312cd5e3\``);
    await queryRunner.query(`ALTER TABLE \`failover_domain_members\` DROP FOREIGN KEY \`FK_65df6501d2ee1da2569400dd0f0\``);
    await queryRunner.query(`ALTER TABLE \`failover_domains\` DROP FOREIGN KEY \`FK_d0ad3665a4a4b0ab24b98e77197\``);
    await queryRunner.query(`ALTER TABLE \`nodes\` DROP FOREIGN KEY \`FK_1e6db25be4b515e345ed1657180\``);
    await queryRunner.query(`ALTER TABLE \`events\` DROP FOREIGN KEY \`FK_a206b9cbab9efc4a9cf009e6205\``);
    await queryRunner.query(`DROP TABLE \`tenants\``);
    await queryRunner.query(`DROP INDEX \`IDX_2456610981a18f12106330e48c\` ON \`resources\``);
    await queryRunner.query(`DROP INDEX \`IDX_a0ac34737d989b54915e785bed\` ON \`resources\``);
    await queryRunner.query(`DROP INDEX \`IDX_e0296654e4ceaf32a03f0b702c\` ON \`resources\``);
    await queryRunner.query(`DROP TABLE \`resources\``);
    await queryRunner.query(`DROP INDEX \`IDX_c1765177507174f7f218149e23\` ON \`services\``);
    await queryRunner.query(`DROP INDEX \`IDX_2ff5cefc4ff8194501cc07498c\` ON \`services\``);
    await queryRunner.query(`DROP TABLE \`services\``);
    await queryRunner.query(`DROP INDEX \`IDX_e525a5ef7007396a336eec13b5\` ON \`fencing_associations\``);
    await queryRunner.query(`DROP INDEX \`IDX_4634bea2e5e9c2576fe846c7f9\` ON \`fencing_associations\``);
    await queryRunner.query(`DROP TABLE \`fencing_associations\``);
    await queryRunner.query(`DROP INDEX \`IDX_a204fbbea2583745ffa001e3e9\` ON \`fencing_devices\``);
    await queryRunner.query(`DROP INDEX \`IDX_30178712a97262d35bc95650b1\` ON \`fencing_devices\``);
    await queryRunner.query(`DROP TABLE \`fencing_devices\``);
    await queryRunner.query(`DROP INDEX \`IDX_3558a62e51d04477cc597ef338\` ON \`failover_domain_members\``);
    await queryRunner.query(`DROP TABLE \`failover_domain_members\``);
    await queryRunner.query(`DROP INDEX \`IDX_85a99ad3e3810648980a59c952\` ON \`failover_domains\``);
    await queryRunner.query(`DROP INDEX \`IDX_2f7018a22ac35189ae0dd51d71\` ON \`failover_domains\``);
    await queryRunner.query(`DROP TABLE \`failover_domains\``);
    await queryRunner.query(`DROP INDEX \`IDX_dc6bd3e673572d8719b008fe3c\` ON \`nodes\``);
    await queryRunner.query(`DROP INDEX \`IDX_695f6c26b5efe8f18a28d2fcf2\` ON \`nodes\``);
    await queryRunner.query(`DROP TABLE \`nodes\``);
    await queryRunner.query(`DROP INDEX \`IDX_42a57436ca11b189a481f76aea\` ON \`events\``);
    await queryRunner.query(`DROP INDEX \`IDX_61a5c7bf1c4cec49cb55ae8248\` ON \`events\``);
    await queryRunner.query(`DROP INDEX \`IDX_ebaae2a98eab446f5557fd6439\` ON \`events\``);
    await queryRunner.query(`DROP INDEX \`IDX_8a922403cb63401293d4cd43f9\` ON \`events\``);
    await queryRunner.query(`DROP TABLE \`events\``);
    await queryRunner.query(`DROP INDEX \`IDX_4ba4f7bbb1e2e0e48ef324756b\` ON \`clusters\``);
    await queryRunner.query(`DROP INDEX \`IDX_d38cafdaf7f8b1f0261dbd5205\` ON \`clusters\``);
    await queryRunner.query(`DROP TABLE \`clusters\``);
  }
}
