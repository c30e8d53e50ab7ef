import type { Recognizer } from './types.ts';

export const azureRecognizers: readonly Recognizer[] = [];
