/**
 * Which access patterns each service operation uses, for the generated access-pattern document.
 * The docs generator checks that every entity and pattern named here exists in the table.
 */
export interface PatternUsage {
  service: string;
  operation: string;
  entity: string;
  /** An access pattern of the entity, or `collection:<name>`, or `scan`. */
  pattern: string;
  how: string;
}

export const servicePatternUsage: readonly PatternUsage[] = [
  {
    service: 'ChangeLog',
    operation: 'append / appendMany',
    entity: 'sequence',
    pattern: 'primary',
    how: 'BatchGetItem (consistent) with the heads of touched entities not among its recent heads, then ONE TransactWriteItems per group of queued appends: value v→v+n under `value = v`, recent heads rewritten',
  },
  {
    service: 'ChangeLog',
    operation: 'append / appendMany',
    entity: 'changeHead',
    pattern: 'primary',
    how: "BatchGetItem (consistent) of touched entities not among the sequence's recent heads; put in the transaction when an entity leaves them",
  },
  {
    service: 'ChangeLog',
    operation: 'append / appendMany',
    entity: 'change',
    pattern: 'primary',
    how: 'Put with attribute_not_exists; a change superseded in the same transaction gets its outdatedBy in that put',
  },
  {
    service: 'ChangeLog',
    operation: 'append / appendMany',
    entity: 'changeLinks',
    pattern: 'primary',
    how: 'UpdateItem list_append of [seq, outdatedBy] in the transaction, one per 100-seq range of superseded changes',
  },
  {
    service: 'ChangeLog',
    operation: 'since / paginate / stats / history',
    entity: 'changeLinks',
    pattern: 'primary',
    how: "BatchGetItem (consistent) of the pages' ranges, for the outdatedBy of changes superseded later",
  },
  { service: 'ChangeLog', operation: 'since / paginate / stats', entity: 'change', pattern: 'primary', how: 'Query (consistent) `sk BETWEEN seq k+1 AND max`' },
  { service: 'ChangeLog', operation: 'history', entity: 'change', pattern: 'entityHistory', how: 'Query gsi1 in seq order' },
  {
    service: 'ChangeLog',
    operation: 'latest',
    entity: 'changeHead',
    pattern: 'primary',
    how: 'GetItem of the sequence (its recent heads) and Query (consistent) the head items, then BatchGetItem the latest changes',
  },
  {
    service: 'UserService',
    operation: 'register',
    entity: 'tablekitUnique',
    pattern: 'primary',
    how: 'TransactWriteItems: user + e-mail claim, both with attribute_not_exists (the unique field of user)',
  },
  {
    service: 'UserService',
    operation: 'changeEmail',
    entity: 'tablekitUnique',
    pattern: 'primary',
    how: 'GetItem (consistent) of the user, then TransactWriteItems: UpdateItem under `version = v`, old claim deleted, new one claimed',
  },
  { service: 'UserService', operation: 'getByEmail', entity: 'tablekitUnique', pattern: 'primary', how: 'GetItem (consistent) of the claim, then of the user' },
  {
    service: 'UserService',
    operation: 'getByRefreshToken',
    entity: 'user',
    pattern: 'byRefreshToken',
    how: 'Query gsi2 by SHA-256 of the token, filter isActive',
  },
  {
    service: 'UserService',
    operation: 'getAccount / delete',
    entity: 'user',
    pattern: 'collection:account',
    how: 'ONE Query: the user and all their video progress',
  },
  { service: 'UserService', operation: 'listActive', entity: 'user', pattern: 'scan', how: 'Scan filtered by entity and isActive (booleans cannot be keys)' },
  {
    service: 'VideoProgressService',
    operation: 'record',
    entity: 'videoProgress',
    pattern: 'primary',
    how: 'UpdateItem (save) under `attribute_not_exists(updatedAt) OR updatedAt < :at`',
  },
  { service: 'VideoProgressService', operation: 'get / forUser', entity: 'videoProgress', pattern: 'primary', how: 'GetItem / Query, expired items hidden' },
  {
    service: 'VideoProgressService',
    operation: 'continueWatching',
    entity: 'videoProgress',
    pattern: 'continueWatching',
    how: 'Query gsi1 newest first, filter completed = false',
  },
  { service: 'VideoProgressService', operation: 'viewers', entity: 'videoProgress', pattern: 'byVideo', how: 'Query gsi2' },
];
