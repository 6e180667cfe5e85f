import { defineTable } from 'tablekit';
import { changeLogEntities, userEntities } from 'tablekit/services';

/**
 * The bundled application's single table: accounts (users with unique e-mails, their video
 * progress) and a per-project change log. Keys pk/sk, GSIs gsi1 and gsi2, TTL on `ttl`, streams on.
 */
export const AppTable = defineTable({
  name: 'tablekit',
  entities: { ...userEntities, ...changeLogEntities },
});

export type AppEntities = (typeof AppTable)['entities'];
