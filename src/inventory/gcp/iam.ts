// IAM member and role helpers (https://cloud.google.com/iam/docs/principal-identifiers).

export type MemberType =
  | 'allUsers'
  | 'allAuthenticatedUsers'
  | 'user'
  | 'serviceAccount'
  | 'group'
  | 'domain'
  | 'principal'
  | 'principalSet'
  | 'deleted'
  | 'other';

// allUsers is anyone on the internet; allAuthenticatedUsers is anyone with a Google account.
export const PUBLIC_MEMBERS: readonly string[] = ['allUsers', 'allAuthenticatedUsers'];

// The basic (primitive) roles that grant broad rights on every service; roles/viewer is read-only.
export const PRIMITIVE_ROLES: readonly string[] = ['roles/owner', 'roles/editor'];

export function memberType(member: string): MemberType {
  if (member === 'allUsers' || member === 'allAuthenticatedUsers') return member;
  if (member.startsWith('deleted:')) return 'deleted';
  if (member.startsWith('principal://')) return 'principal';
  if (member.startsWith('principalSet://')) return 'principalSet';
  const prefix = member.slice(0, member.indexOf(':'));
  return prefix === 'user' || prefix === 'serviceAccount' || prefix === 'group' || prefix === 'domain' ? prefix : 'other';
}

// IAM emails are case-insensitive; one key per principal however often or however cased it is listed.
export function memberKey(member: string): string {
  return member.toLowerCase();
}

// A conditional binding read at policy version 1 comes back with its role renamed
// `roles/owner_withcond_<hash>`; the grant is still roles/owner.
export function baseRole(role: string): string {
  const i = role.indexOf('_withcond_');
  return i === -1 ? role : role.slice(0, i);
}

// The user-managed default service accounts Google creates with the Editor role: Compute Engine's
// PROJECT_NUMBER-compute@developer.gserviceaccount.com and App Engine's PROJECT_ID@appspot.gserviceaccount.com.
export function defaultServiceAccount(member: string): 'Compute Engine' | 'App Engine' | undefined {
  const m = member.toLowerCase();
  if (/^serviceaccount:\d+-compute@developer\.gserviceaccount\.com$/.test(m)) return 'Compute Engine';
  if (/^serviceaccount:[a-z0-9.:-]+@appspot\.gserviceaccount\.com$/.test(m)) return 'App Engine';
  return undefined;
}

// The Google APIs Service Agent (PROJECT_NUMBER@cloudservices.gserviceaccount.com) is a
// Google-managed account that Google grants roles/editor on every project and requires for managed
// instance groups and Deployment Manager; it cannot be used by people and is not a finding.
export function isGoogleApisServiceAgent(member: string): boolean {
  return /^serviceaccount:\d+@cloudservices\.gserviceaccount\.com$/.test(member.toLowerCase());
}
