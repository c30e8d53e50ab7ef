import { FRAMEWORKS } from '../../controls/types.ts';
import { displayText } from '../text.ts';
import { compareText, formatCount } from './format.ts';
import { FRAMEWORK_SHORT, LIMITS } from './limits.ts';
import type { LinkContext } from './links.ts';

export const CONTROL_ID_LIMIT = 40;

// Results of one check share their controls: compute each distinct list once (large runs).
export function resultControlsText(refs: readonly string[], links: LinkContext): string {
  const key = JSON.stringify(refs);
  let text = links.controlsTextCache.get(key);
  if (text === undefined) {
    text = controlsText(refs, links.controlOrder, LIMITS.resultControls);
    links.controlsTextCache.set(key, text);
  }
  return text;
}

// "soc2:CC6.1", "soc2:CC6.6", "hipaa:164.312(e)(1)" → "SOC2 CC6.1, CC6.6 · HIPAA 164.312(e)(1)":
// grouped by framework in framework order, each framework's controls in catalog order. Every
// framework shows at least its first control while the text stays within twice `max` (frameworks
// past that are counted at the end, "… +3 more"); more controls are shown while it stays within
// `max`, and the rest are counted per framework ("SOC2 CC6.1 +2 · HIPAA 164.312(d) +3").
export function controlsText(refs: readonly string[], controlOrder: Map<string, number>, max: number): string {
  const byFramework = new Map<string, string[]>();
  for (const ref of new Set(refs)) {
    const colon = ref.indexOf(':');
    const fw = colon < 0 ? '' : ref.slice(0, colon);
    const list = byFramework.get(fw) ?? [];
    list.push(ref);
    byFramework.set(fw, list);
  }
  const known: readonly string[] = FRAMEWORKS;
  const groups = [
    ...FRAMEWORKS.filter((fw) => byFramework.has(fw)),
    ...[...byFramework.keys()].filter((fw) => !known.includes(fw)).sort(compareText),
  ].map((fw) => ({
    label: (FRAMEWORK_SHORT as Record<string, string>)[fw] ?? displayText(fw, CONTROL_ID_LIMIT),
    ids: (byFramework.get(fw) ?? [])
      .sort((a, b) => (controlOrder.get(a) ?? Infinity) - (controlOrder.get(b) ?? Infinity) || compareText(a, b))
      .map((ref) => displayText(fw === '' ? ref : ref.slice(fw.length + 1), CONTROL_ID_LIMIT)),
  }));
  const render = (shown: number[]): string => {
    const parts: string[] = [];
    let hiddenFrameworks = 0;
    groups.forEach((g, i) => {
      const n = shown[i] ?? 0;
      if (n === 0) {
        hiddenFrameworks += g.ids.length;
        return;
      }
      const rest = g.ids.length - n;
      parts.push(`${g.label === '' ? '' : `${g.label} `}${g.ids.slice(0, n).join(', ')}${rest > 0 ? ` +${formatCount(rest)}` : ''}`);
    });
    const text = parts.join(' · ');
    return hiddenFrameworks > 0 ? `${text} … +${formatCount(hiddenFrameworks)} more` : text;
  };
  // The first control of each framework, as many frameworks as fit (at least one).
  const shown = groups.map(() => 0);
  for (let i = 0; i < groups.length; i += 1) {
    shown[i] = 1;
    if (i > 0 && render(shown).length > max * 2) {
      shown[i] = 0;
      break;
    }
  }
  // Then more controls, one framework at a time in turn, while the text still fits.
  let grew = true;
  while (grew) {
    grew = false;
    for (let i = 0; i < groups.length; i += 1) {
      const g = groups[i];
      const n = shown[i] ?? 0;
      if (g === undefined || n === 0 || n >= g.ids.length) continue;
      shown[i] = n + 1;
      if (render(shown).length > max) shown[i] = n;
      else grew = true;
    }
  }
  return render(shown);
}
