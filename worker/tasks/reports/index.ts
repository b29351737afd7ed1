import type { TaskGroup } from '../../define-task.js';
import { deleteStoredObjectTask } from './delete_stored_object.js';
import { makeReportThumbnailTask } from './make_report_thumbnail.js';
import { resizeAvatarTask } from './resize_avatar.js';

/** Report thumbnails, avatar resizing and removal of stored objects. */
export const reportsTasks: TaskGroup = {
  tasks: [makeReportThumbnailTask, resizeAvatarTask, deleteStoredObjectTask],
  crontab: [],
};
