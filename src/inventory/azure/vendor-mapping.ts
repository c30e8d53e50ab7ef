import type { MappedControl } from '../../checks/types.ts';

// Defender for Cloud regulatory compliance: a control of the PCI DSS v4 / v4.0.1 or SOC 2 built-in
// standard is named after the requirement it assesses, so it maps to the same id in our catalog.
// Other standards (PCI DSS 3.2.1, HIPAA HITRUST, NIST SP 800-53, ISO 27001) are not mapped here.

export const DEFENDER_PROVENANCE = 'Microsoft Defender for Cloud regulatory compliance';

// Lowercase without spaces, '-', '_' and '.' (the collector's standard-name normalisation).
function norm(s: string): string {
  return s.toLowerCase().replace(/[\s\-_.]/g, '');
}

const PCI_ID = /^(\d{1,2}(?:\.\d+){1,3}|A[1-3](?:\.\d+){2,3})$/;
const SOC2_ID = /^(CC\d\.\d{1,2}|A1\.\d|C1\.\d|PI1\.\d|P\d\.\d)$/;

export function defenderMapping(standard: string, control: string): MappedControl[] {
  const s = norm(standard);
  const name = control.trim();
  if (s.startsWith('pcidss4')) {
    // Azure Policy group names carry a prefix (PCI_DSS_v4.0.1_4.2.1); the Defender control name may too.
    const id = name.replace(/^PCI_DSS_v4(?:\.0(?:\.1)?)?_/i, '');
    if (!PCI_ID.test(id)) return [];
    return [edge(`pci-dss-4:${id}`, `Defender for Cloud assesses PCI DSS v4 requirement ${id} as control ${name} of ${standard}; its automated assessments cover part of the requirement, not all of it.`)];
  }
  if (s.startsWith('soc2') || s.startsWith('soctsp')) {
    const id = name.replace(/^SOC_2_/i, '').toUpperCase();
    if (!SOC2_ID.test(id)) return [];
    return [edge(`soc2:${id}`, `Defender for Cloud assesses SOC 2 criterion ${id} as control ${name} of ${standard}; its automated assessments cover part of the criterion, not all of it.`)];
  }
  return [];
}

function edge(control: MappedControl['control'], rationale: string): MappedControl {
  return { control, strength: 'supports', rationale, provenance: DEFENDER_PROVENANCE };
}
