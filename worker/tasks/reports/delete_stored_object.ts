import { assertValidKey, storage } from '../../../lib/storage.js';
import { defineTask } from '../../define-task.js';

declare module '../../../db/jobs.js' {
  interface TaskPayloads {
    delete_stored_object: { key: string };
  }
}

/** Removes one object from storage (deleted reports, replaced avatars); a missing object is fine. */
export const deleteStoredObject = defineTask(
  'delete_stored_object',
  {
    type: 'object',
    required: ['key'],
    properties: { key: { type: 'string', minLength: 1, maxLength: 512 } },
  },
  async ({ key }) => {
    assertValidKey(key);
    await storage().delete(key);
  },
);
