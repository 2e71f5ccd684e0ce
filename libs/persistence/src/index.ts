export * from './entities';
export { createDataSource, openDataSource, dataSourceOptions, runMigrations, pendingSchemaChanges } from './data-source';
export type { DatabaseOptions } from './data-source';
export { queryCounter } from './query-counter';
export { TenantRepository, newId, containing, isNull, isNotNull, anyOf, atLeast, atMost, between, isDuplicateKey } from './tenant.repository';
export type { Page, PageArgs, Where, NewRow, TenantRow } from './tenant.repository';
export { Store, TenantDirectoryRepository, DomainMemberRepository } from './store';
export type { AfterCommit, CommitObserver, CommittedEvent, Repositories, StoreOptions } from './store';
export { PersistenceModule } from './persistence.module';
