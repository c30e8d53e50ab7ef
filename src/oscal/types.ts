// The subset of the OSCAL 1.1 Assessment Results model that auditpack writes, typed so the builder
// cannot drift from it. Field names are OSCAL's (kebab-case JSON keys). The test suite validates
// real output against NIST's JSON Schema (test/fixtures/oscal/).

export const OSCAL_VERSION = '1.1.3';
export const OSCAL_SCHEMA_URL = 'https://github.com/usnistgov/OSCAL/releases/download/v1.1.3/oscal_assessment-results_schema.json';
// Namespace of auditpack's own props (OSCAL requires a namespace for non-NIST property names).
export const AUDITPACK_NS = 'https://auditpack.io/ns/oscal';

export interface Prop {
  name: string;
  ns?: string;
  value: string;
  class?: string;
}

export interface Link {
  href: string;
  rel?: string;
  'media-type'?: string;
  text?: string;
}

export interface Hash {
  algorithm: 'SHA-256';
  value: string;
}

export interface Role {
  id: string;
  title: string;
  description?: string;
}

export interface Party {
  uuid: string;
  type: 'person' | 'organization';
  name: string;
  props?: Prop[];
}

export interface ResponsibleParty {
  'role-id': string;
  'party-uuids': string[];
}

export interface Metadata {
  title: string;
  published?: string;
  'last-modified': string;
  version: string;
  'oscal-version': string;
  props?: Prop[];
  roles?: Role[];
  parties?: Party[];
  'responsible-parties'?: ResponsibleParty[];
  remarks?: string;
}

export interface SystemComponent {
  uuid: string;
  type: string;
  title: string;
  description: string;
  props?: Prop[];
  status: { state: 'under-development' | 'operational' | 'disposition' | 'other' };
}

export interface InventoryItem {
  uuid: string;
  description: string;
  props?: Prop[];
  'implemented-components'?: { 'component-uuid': string }[];
}

export interface AssessmentPlatform {
  uuid: string;
  title: string;
  'uses-components'?: { 'component-uuid': string }[];
}

export interface Origin {
  actors: { type: 'tool' | 'assessment-platform' | 'party'; 'actor-uuid': string; 'role-id'?: string }[];
}

export interface SubjectReference {
  'subject-uuid': string;
  type: 'component' | 'inventory-item' | 'location' | 'party' | 'user' | 'resource';
  title?: string;
  props?: Prop[];
}

export interface RelevantEvidence {
  href?: string;
  description: string;
  props?: Prop[];
  links?: Link[];
}

export type ObservationMethod = 'EXAMINE' | 'INTERVIEW' | 'TEST' | 'UNKNOWN';

export interface Observation {
  uuid: string;
  title: string;
  description: string;
  props?: Prop[];
  methods: ObservationMethod[];
  types?: string[];
  origins?: Origin[];
  subjects?: SubjectReference[];
  'relevant-evidence'?: RelevantEvidence[];
  collected: string;
  remarks?: string;
}

// OSCAL allows exactly these two objective states.
export type ObjectiveState = 'satisfied' | 'not-satisfied';

export interface FindingTarget {
  type: 'objective-id' | 'statement-id';
  'target-id': string;
  title?: string;
  description?: string;
  props?: Prop[];
  status: { state: ObjectiveState; reason?: 'pass' | 'fail' | 'other'; remarks?: string };
  'implementation-status'?: { state: 'implemented' | 'partial' | 'planned' | 'alternative' | 'not-applicable'; remarks?: string };
  remarks?: string;
}

export interface Finding {
  uuid: string;
  title: string;
  description: string;
  props?: Prop[];
  origins?: Origin[];
  links?: Link[];
  target: FindingTarget;
  'related-observations'?: { 'observation-uuid': string }[];
  remarks?: string;
}

export interface ControlSelection {
  description?: string;
  props?: Prop[];
  'include-controls'?: { 'control-id': string }[];
  remarks?: string;
}

export interface Result {
  uuid: string;
  title: string;
  description: string;
  start: string;
  end?: string;
  props?: Prop[];
  'local-definitions'?: {
    components?: SystemComponent[];
    'inventory-items'?: InventoryItem[];
    'assessment-assets'?: { components?: SystemComponent[]; 'assessment-platforms': AssessmentPlatform[] };
  };
  'reviewed-controls': { description?: string; 'control-selections': ControlSelection[] };
  observations?: Observation[];
  findings?: Finding[];
  remarks?: string;
}

export interface BackMatterResource {
  uuid: string;
  title?: string;
  description?: string;
  props?: Prop[];
  rlinks?: { href: string; 'media-type'?: string; hashes?: Hash[] }[];
  remarks?: string;
}

export interface AssessmentResultsDocument {
  $schema?: string;
  'assessment-results': {
    uuid: string;
    metadata: Metadata;
    'import-ap': { href: string; remarks?: string };
    results: Result[];
    'back-matter'?: { resources: BackMatterResource[] };
  };
}
