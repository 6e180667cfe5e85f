/** A module with a migration but no table definition: `tablekit migrate --module` refuses it. */
export { noteV1toV2 } from '../fixtures.ts';
