import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The VM's size next to its kept definition, so that placement reads two numbers per VM instead of
 * every definition of the cluster. Rows kept before this migration get their sizes with the next
 * definition stored (each start); until then recovery reads their definitions as before.
 */
export class ResourceVmSize1795312997648 implements MigrationInterface {
  name = 'ResourceVmSize1795312997648';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE \`resources\` ADD \`vm_cpus\` int NULL`);
    await queryRunner.query(`ALTER TABLE \`resources\` ADD \`vm_memory_mb\` int NULL`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE \`resources\` DROP COLUMN \`vm_memory_mb\``);
    await queryRunner.query(`ALTER TABLE \`resources\` DROP COLUMN \`vm_cpus\``);
  }
}
