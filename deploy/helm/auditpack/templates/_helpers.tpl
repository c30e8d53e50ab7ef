{{/* Kept within the subset test/deploy/helm-chart.test.ts renders: values, if/else if/else, eq, not,
     toYaml | nindent, quote, include. */}}
{{- define "auditpack.fullname" -}}
{{ .Release.Name }}
{{- end -}}

{{- define "auditpack.labels" -}}
app.kubernetes.io/name: auditpack
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ quote .Chart.AppVersion }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{- define "auditpack.claimName" -}}
{{- if .Values.output.pvc.existingClaim -}}
{{ .Values.output.pvc.existingClaim }}
{{- else -}}
{{ include "auditpack.fullname" . }}-data
{{- end -}}
{{- end -}}

{{- define "auditpack.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: 10001
runAsGroup: 10001
fsGroup: 10001
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{- define "auditpack.containerSecurityContext" -}}
runAsNonRoot: true
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
capabilities:
  drop:
    - ALL
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{- define "auditpack.signingArgs" -}}
{{- if eq .Values.signing.type "secret" -}}
- --key
- /var/run/auditpack/signing/{{ .Values.signing.secret.key }}
{{- else if eq .Values.signing.type "kms" -}}
- --kms-key-id
- {{ quote .Values.signing.kms.keyId }}
{{- end -}}
{{- end -}}

{{- define "auditpack.env" -}}
# Chromium (PDF) and Node write only under /tmp, an emptyDir: the root filesystem is read-only.
- name: HOME
  value: /tmp
- name: TMPDIR
  value: /tmp
- name: AUDITPACK_OPERATOR
  value: {{ quote .Release.Namespace }}
{{- if .Values.env }}
{{ toYaml .Values.env }}
{{- end }}
{{- end -}}

{{- define "auditpack.volumeMounts" -}}
- name: config
  mountPath: /etc/auditpack
  readOnly: true
- name: tmp
  mountPath: /tmp
- name: data
  mountPath: /data
{{- if eq .Values.signing.type "secret" }}
- name: signing-key
  mountPath: /var/run/auditpack/signing
  readOnly: true
{{- end }}
{{- end -}}

{{- define "auditpack.volumes" -}}
- name: config
  configMap:
    name: {{ include "auditpack.fullname" . }}
- name: tmp
  emptyDir:
    sizeLimit: 1Gi
- name: data
{{- if eq .Values.output.type "pvc" }}
  persistentVolumeClaim:
    claimName: {{ include "auditpack.claimName" . }}
{{- else }}
  emptyDir:
    sizeLimit: {{ .Values.output.objectStorage.scratchSize }}
{{- end }}
{{- if eq .Values.signing.type "secret" }}
- name: signing-key
  secret:
    secretName: {{ .Values.signing.secret.name }}
    # Group-readable for fsGroup 10001; nobody else.
    defaultMode: 288 # 0440
    items:
      - key: {{ .Values.signing.secret.key }}
        path: {{ .Values.signing.secret.key }}
{{- end }}
{{- end -}}

{{- define "auditpack.podExtras" -}}
{{- if .Values.nodeSelector }}
nodeSelector:
  {{- toYaml .Values.nodeSelector | nindent 2 }}
{{- end }}
{{- if .Values.tolerations }}
tolerations:
  {{- toYaml .Values.tolerations | nindent 2 }}
{{- end }}
{{- if .Values.affinity }}
affinity:
  {{- toYaml .Values.affinity | nindent 2 }}
{{- end }}
{{- end -}}
