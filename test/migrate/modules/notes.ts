/** The notes table (note v2) and its migration, as `tablekit migrate --module` loads them. */
export { NotesTable, migrations } from '../fixtures.ts';
