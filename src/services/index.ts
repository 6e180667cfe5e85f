export {
  ChangeLog,
  changeLogEntities,
  type ChangeEntry,
  type ChangeInput,
  type ChangeItem,
  type ChangeLogEntities,
  type ChangeLogOptions,
  type ChangeLogStats,
  type ChangeLogTable,
} from './change-log.ts';
export { Change } from './change-entity.ts';
export { ChangeHead } from './change-head-entity.ts';
export { ChangeLinks } from './change-links-entity.ts';
export { Sequence } from './sequence-entity.ts';
export { withChangeLog, type WithChangeLogOptions } from './with-change-log.ts';
export { UserService, userEntities, hashToken, type RegisterInput, type UserEntities, type UserItem, type UserTable, type VideoProgressItem } from './users.ts';
export { User, normaliseEmail } from './user-entity.ts';
export { VideoProgress } from './video-progress-entity.ts';
export {
  VideoProgressService,
  videoProgressEntities,
  type RecordInput,
  type RecordResult,
  type VideoProgressEntities,
  type VideoProgressOf,
  type VideoProgressOptions,
  type VideoProgressTable,
} from './video-progress.ts';
export { servicePatternUsage, type PatternUsage } from './usage.ts';
