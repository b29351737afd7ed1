/** Accepted avatar uploads (detected from the bytes) and their extensions. */
export const AVATAR_TYPES: Readonly<Record<string, string>> = {
  'image/png': 'png',
  'image/jpeg': 'jpg',
  'image/webp': 'webp',
};

/** Avatars are squares of this many pixels. */
export const AVATAR_SIZE = 256;

/** Largest accepted avatar upload: 5 MB, or the general upload limit when that is lower. */
export const avatarMaxBytes = (uploadMaxBytes: number) => Math.min(5 * 1024 * 1024, uploadMaxBytes);

export interface UserAvatarRow {
  userId: string;
  status: 'pending' | 'ready' | 'failed';
  pendingKey: string | null;
  currentKey: string | null;
  error: string | null;
  updatedAt: Date;
}
