import { isIPv4, isIPv6 } from 'node:net';
import { z } from 'zod';
import { StringMap } from '../k8s-object.ts';

// networking.k8s.io/v1 NetworkPolicy spec: the fields auditpack judges. Unknown fields pass
// through; what the API server would reject (an unknown operator, a peer naming nothing, a bad
// CIDR) fails validation and becomes an evidence gap, so it can never count towards a pass.

export const PolicyType = z.enum(['Ingress', 'Egress']);
export type PolicyType = z.infer<typeof PolicyType>;

export const LabelSelectorRequirement = z
  .looseObject({
    key: z.string().min(1),
    operator: z.enum(['In', 'NotIn', 'Exists', 'DoesNotExist']),
    values: z.array(z.string()).nullish(),
  })
  .superRefine((r, ctx) => {
    // ValidateLabelSelector: In/NotIn need values, Exists/DoesNotExist take none.
    const count = r.values?.length ?? 0;
    if ((r.operator === 'In' || r.operator === 'NotIn') && count === 0) {
      ctx.addIssue({ code: 'custom', path: ['values'], message: `must be non-empty for operator ${r.operator}` });
    }
    if ((r.operator === 'Exists' || r.operator === 'DoesNotExist') && count > 0) {
      ctx.addIssue({ code: 'custom', path: ['values'], message: `must be empty for operator ${r.operator}` });
    }
  });
export type LabelSelectorRequirement = z.infer<typeof LabelSelectorRequirement>;

export const LabelSelector = z.looseObject({
  matchLabels: StringMap.nullish(),
  matchExpressions: z.array(LabelSelectorRequirement).nullish(),
});
export type LabelSelector = z.infer<typeof LabelSelector>;

// "10.0.0.0/8", "::/0": an IPv4 or IPv6 address and a prefix length that fits it.
export function parseCidr(text: string): { family: 4 | 6; address: string; prefix: number } | undefined {
  const m = /^([^/\s]+)\/(\d{1,3})$/.exec(text.trim());
  if (!m || m[1] === undefined || m[2] === undefined) return undefined;
  const family = isIPv4(m[1]) ? 4 : isIPv6(m[1]) ? 6 : undefined;
  if (family === undefined) return undefined;
  const prefix = Number(m[2]);
  if (prefix > (family === 4 ? 32 : 128)) return undefined;
  return { family, address: m[1], prefix };
}

const Cidr = z.string().refine((s) => parseCidr(s) !== undefined, { message: 'must be a valid CIDR (e.g. 10.0.0.0/8)' });

export const IPBlock = z.looseObject({
  cidr: Cidr,
  except: z.array(Cidr).nullish(),
});
export type IPBlock = z.infer<typeof IPBlock>;

export const NetworkPolicyPeer = z
  .looseObject({
    podSelector: LabelSelector.nullish(),
    namespaceSelector: LabelSelector.nullish(),
    ipBlock: IPBlock.nullish(),
  })
  .superRefine((p, ctx) => {
    // ValidateNetworkPolicyPeer: at least one peer type, and ipBlock stands alone.
    const set = [p.podSelector, p.namespaceSelector, p.ipBlock].filter((v) => v !== null && v !== undefined).length;
    if (set === 0) ctx.addIssue({ code: 'custom', message: 'must specify a peer (podSelector, namespaceSelector or ipBlock)' });
    if (set > 1 && p.ipBlock) ctx.addIssue({ code: 'custom', message: 'may not specify both ipBlock and another peer' });
  });
export type NetworkPolicyPeer = z.infer<typeof NetworkPolicyPeer>;

export const NetworkPolicyPort = z
  .looseObject({
    protocol: z.enum(['TCP', 'UDP', 'SCTP']).nullish(),
    port: z.union([z.number().int().min(1).max(65535), z.string().min(1)]).nullish(),
    endPort: z.number().int().min(1).max(65535).nullish(),
  })
  .superRefine((p, ctx) => {
    // ValidateNetworkPolicyPort: endPort needs a numeric port no greater than itself.
    if (p.endPort === null || p.endPort === undefined) return;
    if (typeof p.port !== 'number') ctx.addIssue({ code: 'custom', path: ['endPort'], message: 'requires a numeric port' });
    else if (p.endPort < p.port) ctx.addIssue({ code: 'custom', path: ['endPort'], message: 'must be greater than or equal to port' });
  });
export type NetworkPolicyPort = z.infer<typeof NetworkPolicyPort>;

// A rule written as a bare `-` in YAML is null; the API server decodes it as an empty rule,
// which allows everything, so it is read as `{}` rather than rejected or dropped.
const nullAsEmpty = (v: unknown): unknown => (v === null ? {} : v);

export const NetworkPolicyIngressRule = z.preprocess(
  nullAsEmpty,
  z.looseObject({
    from: z.array(NetworkPolicyPeer).nullish(),
    ports: z.array(NetworkPolicyPort).nullish(),
  }),
);
export type NetworkPolicyIngressRule = z.infer<typeof NetworkPolicyIngressRule>;

export const NetworkPolicyEgressRule = z.preprocess(
  nullAsEmpty,
  z.looseObject({
    to: z.array(NetworkPolicyPeer).nullish(),
    ports: z.array(NetworkPolicyPort).nullish(),
  }),
);
export type NetworkPolicyEgressRule = z.infer<typeof NetworkPolicyEgressRule>;

export const NetworkPolicySpec = z.looseObject({
  // Absent or null decodes to the zero LabelSelector, which selects every pod in the namespace.
  podSelector: LabelSelector.nullish(),
  policyTypes: z.array(PolicyType).nullish(),
  ingress: z.array(NetworkPolicyIngressRule).nullish(),
  egress: z.array(NetworkPolicyEgressRule).nullish(),
});
export type NetworkPolicySpec = z.infer<typeof NetworkPolicySpec>;
