import type { Recognizer } from './types.ts';

export const gcpRecognizers: readonly Recognizer[] = [];
