import { assertValidKey, storage } from '../../../lib/storage.js';
import { defineTask } from '../../define-task.js';
import { Type, type Static } from '../../../lib/schema.js';

export const DeleteStoredObjectPayload = Type.Object({ key: Type.String({ minLength: 1, maxLength: 512 }) });
export type DeleteStoredObjectPayload = Static<typeof DeleteStoredObjectPayload>;

declare global {
  namespace GraphileWorker {
    interface Tasks {
      delete_stored_object: Static<typeof DeleteStoredObjectPayload>;
    }
  }
}

/** Removes one object from storage (deleted reports, replaced avatars); a missing object is fine. */
export const deleteStoredObjectTask = defineTask(
  'delete_stored_object',
  DeleteStoredObjectPayload,
  async ({ key }) => {
    assertValidKey(key);
    await storage().delete(key);
  },
);
