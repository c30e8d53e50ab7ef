import type { Recognizer } from './types.ts';

export const awsRecognizers: readonly Recognizer[] = [];
