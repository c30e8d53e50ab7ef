import { z } from 'zod';

// The few response fields the collector relies on. Everything else in a response is kept verbatim
// (loose objects), so a newer API server's extra fields never fail a collection.

// GET /api
export const ApiVersions = z.looseObject({
  versions: z.array(z.string()),
});
export type ApiVersions = z.infer<typeof ApiVersions>;

const GroupVersionForDiscovery = z.looseObject({
  groupVersion: z.string(),
  version: z.string(),
});

// GET /apis/GROUP, and each entry of GET /apis
export const ApiGroup = z.looseObject({
  name: z.string(),
  versions: z.array(GroupVersionForDiscovery),
  preferredVersion: GroupVersionForDiscovery.optional(),
});
export type ApiGroup = z.infer<typeof ApiGroup>;

// GET /apis
export const ApiGroupList = z.looseObject({
  groups: z.array(ApiGroup),
});
export type ApiGroupList = z.infer<typeof ApiGroupList>;

// GET /api/v1, GET /apis/GROUP/VERSION
export const ApiResourceList = z.looseObject({
  groupVersion: z.string(),
  resources: z.array(
    z.looseObject({
      name: z.string(),
      namespaced: z.boolean(),
      kind: z.string(),
      verbs: z.array(z.string()),
    }),
  ),
});
export type ApiResourceList = z.infer<typeof ApiResourceList>;

// A list response: the envelope is checked, the items are stored as the server sent them.
export const ListEnvelope = z.looseObject({
  apiVersion: z.string().optional(),
  kind: z.string().optional(),
  metadata: z
    .looseObject({
      continue: z.string().optional(),
      resourceVersion: z.string().optional(),
    })
    .optional(),
  // `null` is what some servers send for an empty list.
  items: z.array(z.record(z.string(), z.unknown())).nullable(),
});
export type ListEnvelope = z.infer<typeof ListEnvelope>;

// metav1.Status, the body of every API error.
export const Status = z.looseObject({
  kind: z.literal('Status'),
  message: z.string().optional(),
  reason: z.string().optional(),
  code: z.number().optional(),
});
export type Status = z.infer<typeof Status>;
