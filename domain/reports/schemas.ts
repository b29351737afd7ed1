/** Input shapes of reports (TypeBox): the domain owns them; the API validates requests with them. */
import { PageQueryProps, StrictObject, StringEnum, Type, type Static } from '../../lib/schema.js';
import { REPORT_KINDS } from './report.js';

export const GetAvatarQuery = StrictObject({
  v: Type.Optional(Type.String({ maxLength: 64, description: 'Cache buster from avatarUrl.' })),
});
export type GetAvatarQuery = Static<typeof GetAvatarQuery>;

export const ListReportsQuery = StrictObject({
  ...PageQueryProps,
  kind: Type.Optional(StringEnum(REPORT_KINDS)),
});
export type ListReportsQuery = Static<typeof ListReportsQuery>;
