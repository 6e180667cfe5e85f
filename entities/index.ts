export { AppTable, type AppEntities } from './table.ts';
export { openStore, type Store, type StoreOptions } from './store.ts';
