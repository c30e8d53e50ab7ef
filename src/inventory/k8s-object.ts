import { z } from 'zod';

// Only the metadata fields auditpack reads; everything else passes through untouched.
export const OwnerReference = z.looseObject({
  apiVersion: z.string().optional(),
  kind: z.string(),
  name: z.string(),
  controller: z.boolean().optional(),
});
export type OwnerReference = z.infer<typeof OwnerReference>;

export const StringMap = z.record(z.string(), z.string());
export type StringMap = z.infer<typeof StringMap>;

export const ObjectMeta = z.looseObject({
  name: z.string().min(1),
  namespace: z.string().min(1).optional(),
  labels: StringMap.nullish(),
  annotations: StringMap.nullish(),
  creationTimestamp: z.string().nullish(),
  uid: z.string().optional(),
  ownerReferences: z.array(OwnerReference).nullish(),
});
export type ObjectMeta = z.infer<typeof ObjectMeta>;

export const K8sObject = z.looseObject({
  apiVersion: z.string().min(1),
  kind: z.string().min(1),
  metadata: ObjectMeta,
});
export type K8sObject = z.infer<typeof K8sObject>;

// The minimal shape needed to route an object to its parser (kind, apiVersion, name).
export const K8sObjectHeader = z.looseObject({
  apiVersion: z.string().min(1),
  kind: z.string().min(1),
  metadata: z.looseObject({ name: z.string().min(1), namespace: z.string().optional() }),
});

export function apiGroup(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash === -1 ? '' : apiVersion.slice(0, slash);
}
