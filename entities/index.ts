export { User } from './user.ts';
export { EmailClaim } from './email-claim.ts';
export { VideoProgress } from './video-progress.ts';
export { Change } from './change.ts';
export { ChangeHead } from './change-head.ts';
export { Sequence } from './sequence.ts';
export { AppTable } from './table.ts';
export { openStore, type Store, type StoreOptions } from './store.ts';
