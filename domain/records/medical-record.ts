import type { MedicalRecordContent } from './schemas.js';

export type {
  Allergy,
  Condition,
  FamilyHistoryEntry,
  Lifestyle,
  MedicalRecordContent,
  Surgery,
} from './schemas.js';

/**
 * A patient's unified medical record. `version` 0 means "never written" (an empty record), and is
 * the version a first PUT must name.
 */
export interface MedicalRecordView extends MedicalRecordContent {
  patientId: string;
  version: number;
  updatedAt: Date | null;
  updatedBy: string | null;
}

export const RECORD_COLUMNS = [
  'patientId',
  'allergies',
  'conditions',
  'surgeries',
  'lifestyle',
  'familyHistory',
  'version',
  'updatedAt',
  'updatedBy',
];

/** The record a patient has before anyone wrote one. */
export const emptyRecord = (patientId: string): MedicalRecordView => ({
  patientId,
  allergies: [],
  conditions: [],
  surgeries: [],
  lifestyle: {},
  familyHistory: [],
  version: 0,
  updatedAt: null,
  updatedBy: null,
});
