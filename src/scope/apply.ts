import type { CheckResult } from '../checks/types.ts';
import type { FrameworkScope, ScopeConfig } from '../config/schema.ts';
import { FRAMEWORKS, type FrameworkId } from '../controls/types.ts';
import { inScopeNamespace } from '../inventory/scope.ts';
import type { TargetInventory } from '../inventory/types.ts';
import { ACCOUNT_WORDS, PROVIDER_NAMES, cloudAccounts, resultLocation, type CloudAccount } from './cloud-location.ts';
import { parseLabelSelector, selectorMatches, type LabelSelector } from './label-selector.ts';
import { targetKinds, type TargetKind } from './target-kind.ts';

// Decides, per framework, which results count: those on targets, namespaces and cloud accounts
// inside the framework's declared boundary (config `scope`). A framework without a declaration
// counts every result of the run. Applied before the control roll-up, so a result outside the
// cardholder data environment can neither fail nor satisfy a PCI DSS control.
//
// Cluster results in application namespaces count when the namespace matches the selector and is
// not excluded. Results on a cluster's shared plumbing (the Istio root namespace, system
// namespaces, cluster-wide results) count when at least one of its namespaces is in scope: the
// mesh control plane and its CA protect the selected namespaces, so they are connected systems.

export interface OutOfScope {
  target: string;
  // 'target', or what inside the target: 'namespace payments', 'AWS account 1234…'.
  what: string;
  reason: string;
}

export interface InScopeTarget {
  target: string;
  kinds: TargetKind[];
  // Application namespaces in scope, sorted; empty for cloud-only targets.
  namespaces: string[];
  // Shared namespaces (control plane, system) counted with them.
  shared: string[];
  workloads: number;
  accounts: CloudAccount[];
}

export interface FrameworkScopeSummary {
  framework: FrameworkId;
  declared: boolean;
  boundary: string;
  selector?: string;
  targetsListed?: string[];
  accountsListed?: string[];
  in: InScopeTarget[];
  out: OutOfScope[];
  population: { targets: number; namespaces: number; workloads: number; accounts: number };
}

interface TargetDecision {
  inScope: boolean;
  // Application namespaces in scope.
  namespaces: Set<string>;
  clusterShared: boolean;
  accounts: Set<string>;
}

interface Compiled {
  framework: FrameworkId;
  decl: FrameworkScope | undefined;
  selector: LabelSelector | undefined;
  targets: Map<string, TargetDecision>;
  // Per target, the namespaces applications run in (not system, not the Istio root namespace).
  apps: Map<string, Set<string>>;
  summary: FrameworkScopeSummary;
}

export class FrameworkScopes {
  private readonly compiled = new Map<FrameworkId, Compiled>();

  constructor(
    config: ScopeConfig | undefined,
    inventories: readonly TargetInventory[],
    frameworks: readonly FrameworkId[],
  ) {
    for (const fw of frameworks) this.compiled.set(fw, compile(fw, config?.[fw], inventories));
  }

  // Whether a result counts for the framework. Frameworks not compiled (not in the run) count nothing.
  contains(framework: FrameworkId | string, r: Pick<CheckResult, 'check' | 'target' | 'resource'>): boolean {
    const c = this.compiled.get(framework as FrameworkId);
    if (!c) return false;
    if (!c.decl) return true;
    const t = c.targets.get(r.target);
    if (!t?.inScope) return false;
    const at = resultLocation(r);
    if (at.kind === 'cluster') {
      const ns = r.resource.namespace ?? (r.resource.kind === 'Namespace' ? r.resource.name : undefined);
      if (ns !== undefined && t.namespaces.has(ns)) return true;
      if (ns !== undefined && isApplicationNamespace(c, r.target, ns)) return false;
      return t.clusterShared;
    }
    // An account the evidence names only in a result (identity unknown) is judged by the declaration too.
    return at.account === '' || t.accounts.has(at.account) || accountDeclaredIn(c.decl, at.account);
  }

  // The control refs ('pci-dss-4:4.2.1') of a result that its frameworks' scopes let it count toward.
  // One array per check and in-scope pattern, shared by every result like it: a large run has
  // hundreds of thousands of results, and each used to share its check's array.
  controlsOf(r: Pick<CheckResult, 'check' | 'target' | 'resource'>, refs: readonly string[]): string[] {
    let mask = '';
    for (const fw of FRAMEWORKS) mask += this.contains(fw, r) ? '1' : '0';
    const key = `${r.check}|${mask}`;
    let hit = this.refs.get(key);
    if (!hit) {
      hit = refs.filter((ref) => mask[FRAMEWORKS.indexOf(ref.slice(0, ref.indexOf(':')) as FrameworkId)] === '1');
      this.refs.set(key, hit);
    }
    return hit;
  }

  private readonly refs = new Map<string, string[]>();

  // In the frameworks' canonical order (SOC 2, HIPAA, PCI DSS), like the rest of the report.
  summaries(): FrameworkScopeSummary[] {
    return FRAMEWORKS.flatMap((f) => {
      const c = this.compiled.get(f);
      return c ? [c.summary] : [];
    });
  }
}

function isApplicationNamespace(c: Compiled, target: string, ns: string): boolean {
  return c.apps.get(target)?.has(ns) ?? false;
}

function accountDeclaredIn(decl: FrameworkScope, account: string): boolean {
  return decl.exclude.every((e) => e.account !== account) && (decl.accounts === undefined || decl.accounts.includes(account));
}

function excludedBy(decl: FrameworkScope, match: (e: FrameworkScope['exclude'][number]) => boolean): string | undefined {
  return decl.exclude.find(match)?.reason;
}

function compile(framework: FrameworkId, decl: FrameworkScope | undefined, inventories: readonly TargetInventory[]): Compiled {
  const selector = decl?.namespaceSelector ? parseLabelSelector(decl.namespaceSelector, `scope.${framework}.namespaceSelector`) : undefined;
  const targets = new Map<string, TargetDecision>();
  const apps = new Map<string, Set<string>>();
  const summary: FrameworkScopeSummary = {
    framework,
    declared: decl !== undefined,
    boundary: decl?.boundary ?? 'Not declared: every target, namespace and account of the run counts for this framework.',
    ...(selector ? { selector: selector.text } : {}),
    ...(decl?.targets ? { targetsListed: [...decl.targets] } : {}),
    ...(decl?.accounts ? { accountsListed: [...decl.accounts] } : {}),
    in: [],
    out: [],
    population: { targets: 0, namespaces: 0, workloads: 0, accounts: 0 },
  };
  const out = summary.out;
  for (const inv of [...inventories].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const kinds = targetKinds(inv);
    const appNamespaces = new Set(inv.namespaces.map((n) => n.name).filter((n) => inScopeNamespace(inv, n)));
    for (const w of inv.workloads) if (inScopeNamespace(inv, w.namespace)) appNamespaces.add(w.namespace);
    apps.set(inv.name, appNamespaces);
    const accounts = cloudAccounts(inv);

    let targetOut: string | undefined;
    if (decl) {
      targetOut = excludedBy(decl, (e) => e.target === inv.name && e.namespace === undefined && e.account === undefined);
      if (targetOut === undefined && decl.targets && !decl.targets.includes(inv.name)) targetOut = `not listed in scope.${framework}.targets`;
    }
    if (targetOut !== undefined) {
      out.push({ target: inv.name, what: 'whole target', reason: targetOut });
      targets.set(inv.name, { inScope: false, namespaces: new Set(), clusterShared: false, accounts: new Set() });
      continue;
    }

    const labels = new Map(inv.namespaces.map((n) => [n.name, n.labels]));
    const inNs = new Set<string>();
    for (const ns of [...appNamespaces].sort()) {
      const reason = decl ? excludedBy(decl, (e) => e.namespace === ns && (e.target === undefined || e.target === inv.name)) : undefined;
      if (reason !== undefined) {
        out.push({ target: inv.name, what: `namespace ${ns}`, reason });
      } else if (selector && !selectorMatches(selector, labels.get(ns) ?? {})) {
        out.push({ target: inv.name, what: `namespace ${ns}`, reason: `labels do not match ${selector.text}` });
      } else {
        inNs.add(ns);
      }
    }
    const inAccounts = new Set<string>();
    const keptAccounts: CloudAccount[] = [];
    for (const a of accounts) {
      const reason = decl
        ? (excludedBy(decl, (e) => e.account === a.account) ?? (decl.accounts && !decl.accounts.includes(a.account) ? `not listed in scope.${framework}.accounts` : undefined))
        : undefined;
      if (reason !== undefined) out.push({ target: inv.name, what: `${PROVIDER_NAMES[a.provider]} ${ACCOUNT_WORDS[a.provider]} ${a.account}`, reason });
      else {
        inAccounts.add(a.account);
        keptAccounts.push(a);
      }
    }
    const isCluster = kinds.has('cluster');
    // With a selector, a cluster none of whose namespaces matches is outside the boundary entirely.
    const clusterShared = isCluster && (selector === undefined || inNs.size > 0);
    const cloudIn = keptAccounts.length > 0 || (accounts.length === 0 && [...kinds].some((k) => k !== 'cluster'));
    const anyIn = clusterShared || inNs.size > 0 || cloudIn;
    targets.set(inv.name, { inScope: anyIn, namespaces: inNs, clusterShared, accounts: inAccounts });
    if (!anyIn) {
      if (isCluster && selector && appNamespaces.size > 0) out.push({ target: inv.name, what: 'cluster-wide results', reason: `no namespace of ${inv.name} matches ${selector.text}` });
      continue;
    }
    const shared = isCluster && clusterShared ? inv.namespaces.map((n) => n.name).filter((n) => !appNamespaces.has(n)).sort() : [];
    const workloads = inv.workloads.filter((w) => inNs.has(w.namespace)).length;
    summary.in.push({ target: inv.name, kinds: [...kinds].sort(), namespaces: [...inNs].sort(), shared, workloads, accounts: keptAccounts });
    summary.population.targets += 1;
    summary.population.namespaces += inNs.size;
    summary.population.workloads += workloads;
    summary.population.accounts += keptAccounts.length;
  }
  return { framework, decl, selector, targets, apps, summary };
}
