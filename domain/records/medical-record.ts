/** One allergy: the substance and how the patient reacts. */
export interface Allergy {
  substance: string;
  reaction?: string;
  severity?: 'mild' | 'moderate' | 'severe';
  notedOn?: string;
}

export interface Condition {
  name: string;
  status?: 'active' | 'resolved';
  since?: string;
  notes?: string;
}

export interface Surgery {
  procedure: string;
  date?: string;
  notes?: string;
}

export interface Lifestyle {
  smoking?: 'never' | 'former' | 'current';
  alcohol?: 'none' | 'occasional' | 'regular';
  exercise?: string;
  diet?: string;
  occupation?: string;
  notes?: string;
}

export interface FamilyHistoryEntry {
  relation: string;
  condition: string;
  notes?: string;
}

/** The clinical content of a record: what a PUT replaces as a whole. */
export interface MedicalRecordContent {
  allergies: Allergy[];
  conditions: Condition[];
  surgeries: Surgery[];
  lifestyle: Lifestyle;
  familyHistory: FamilyHistoryEntry[];
}

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
