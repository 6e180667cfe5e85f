/**
 * A table of boards and their tasks for the studio tests: no examples (samples come from the
 * schemas), a collection, a GSI with an enum and a date, nested and optional attributes.
 */
import { z } from 'zod';
import { defineEntity, defineTable } from '../../src/index.ts';

export const Board = defineEntity({
  name: 'board',
  description: 'A board of tasks.',
  schema: z.object({
    boardId: z.string().min(1),
    name: z.string().min(1).max(60),
    ownerEmail: z.email(),
  }),
  keys: {
    primary: { pk: ['boardId'], sk: [], collection: 'workspace', description: 'A board by id' },
  },
  timestamps: true,
});

export const Task = defineEntity({
  name: 'task',
  description: 'A task on a board.',
  schema: z.object({
    boardId: z.string().min(1),
    taskId: z.string().min(1),
    title: z.string().min(1).max(80),
    status: z.enum(['todo', 'doing', 'done']),
    priority: z.int().min(1).max(5),
    due: z.date(),
    tags: z.set(z.string()).default(new Set()),
    assignee: z.object({ name: z.string(), email: z.email() }).optional(),
  }),
  keys: {
    primary: { pk: ['boardId'], sk: ['taskId'], collection: 'workspace', description: 'The tasks of a board' },
    byStatus: { index: 'gsi1', pk: ['boardId', 'status'], sk: ['due'], description: 'Tasks of a board by status, soonest due first' },
  },
  timestamps: true,
});

export const TaskTable = defineTable({ name: 'tasks', entities: { board: Board, task: Task } });
