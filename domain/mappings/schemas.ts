/** Input shapes of patient–doctor mappings (TypeBox): the domain owns them; the API validates with them. */
import { PageQueryProps, StrictObject, Type, Uuid, type Static } from '../../lib/schema.js';

export const CreateMappingInput = StrictObject({ patientId: Uuid, doctorId: Uuid });
export type CreateMappingInput = Static<typeof CreateMappingInput>;

export const ListMappingsQuery = StrictObject({
  patientId: Type.Optional(Uuid),
  doctorId: Type.Optional(Uuid),
  ...PageQueryProps,
});
export type ListMappingsQuery = Static<typeof ListMappingsQuery>;
