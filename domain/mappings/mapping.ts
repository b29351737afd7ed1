/** A patient–doctor mapping: the doctor is part of the patient's care team. */
export interface MappingRow {
  id: string;
  patientId: string;
  doctorId: string;
  createdBy: string | null;
  createdAt: Date;
}

export const MAPPING_COLUMNS = ['id', 'patientId', 'doctorId', 'createdBy', 'createdAt'];
