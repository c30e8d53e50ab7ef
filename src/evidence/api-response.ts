// API responses that are not Kubernetes objects (Consul HTTP API, cloud APIs, cloud CLI output)
// are stored verbatim under a synthetic apiVersion in this group; area builders receive them
// wrapped as { apiVersion, kind, metadata: { name }, body }.
export const API_RESPONSE_GROUP = 'http.auditpack.io';
