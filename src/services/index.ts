export type { CompanionWrite } from './append-plan.ts';
export { ChangeLog, type ChangeEntry, type ChangeInputOf, type ChangeLogEntities, type ChangeLogOptions, type ChangeLogStats, type ChangeOf } from './change-log.ts';
export { UserService, hashToken, normaliseEmail, type RegisterInput, type UserEntities, type UserOf } from './users.ts';
export { VideoProgressService, type RecordInput, type RecordResult, type VideoProgressEntities, type VideoProgressOf, type VideoProgressOptions } from './video-progress.ts';
export { withChangeLog, type OutboxOptions } from './outbox.ts';
export { servicePatternUsage, type PatternUsage } from './usage.ts';
