export { ChangeLog, type ChangeInputOf, type ChangeLogEntities, type ChangeLogOptions, type ChangeLogStats, type ChangeOf } from './change-log.ts';
