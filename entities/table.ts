import { defineTable } from 'tablekit';
import { Change } from './change.ts';
import { ChangeHead } from './change-head.ts';
import { EmailClaim } from './email-claim.ts';
import { Sequence } from './sequence.ts';
import { User } from './user.ts';
import { VideoProgress } from './video-progress.ts';

/** The application's single table: every entity, keys pk/sk, GSIs gsi1 and gsi2, TTL on `ttl`, streams on. */
export const AppTable = defineTable({
  name: 'tablekit',
  entities: {
    user: User,
    emailClaim: EmailClaim,
    videoProgress: VideoProgress,
    change: Change,
    changeHead: ChangeHead,
    sequence: Sequence,
  },
});
