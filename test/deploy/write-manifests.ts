// Writes deploy/kubernetes/auditpack.yaml: the chart rendered with default values, for kubectl apply.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT, renderChart } from './render-chart.ts';

const header = `# auditpack for \`kubectl apply -f deploy/kubernetes/\` — generated from deploy/helm/auditpack with
# default values by test/deploy/write-manifests.ts (a test checks they stay equal). Before applying:
#   kubectl create namespace auditpack   (or apply namespace.yaml)
#   kubectl -n auditpack create secret generic auditpack-signing --from-file=auditpack-signing.key=KEY
# Edit the ConfigMap's auditpack.yaml, the image, and the schedule as needed.
`;
writeFileSync(path.join(ROOT, 'deploy', 'kubernetes', 'auditpack.yaml'), `${header}${renderChart().text}\n`);
