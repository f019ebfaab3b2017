{{/*
Names, labels and the pieces every workload shares. Kubernetes names and label values are
limited to 63 characters, hence the truncation everywhere.
*/}}

{{/* The chart name, or nameOverride. */}}
{{- define "career-tools.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* "<release>-career-tools", or just the release name when it already contains the chart name. */}}
{{- define "career-tools.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/*
Name of one component's resources, e.g. "<release>-career-tools-auth". The full name is
shortened to make room for the suffix, so that long release names still give each component
its own name. Takes (dict "root" $ "component" "auth").
*/}}
{{- define "career-tools.componentName" -}}
{{- $prefix := include "career-tools.fullname" .root | trunc (int (sub 62 (len .component))) | trimSuffix "-" }}
{{- printf "%s-%s" $prefix .component }}
{{- end }}

{{- define "career-tools.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "career-tools.imageTag" -}}
{{- .Values.image.tag | default .Chart.AppVersion }}
{{- end }}

{{- define "career-tools.image" -}}
{{- printf "%s:%s" .Values.image.repository (include "career-tools.imageTag" .) }}
{{- end }}

{{/* Labels that identify a component's pods; never change them (Deployment selectors are immutable). Takes (dict "root" $ "component" name). */}}
{{- define "career-tools.selectorLabels" -}}
app.kubernetes.io/name: {{ include "career-tools.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{/* All standard labels. Takes (dict "root" $ "component" name). */}}
{{- define "career-tools.labels" -}}
{{ include "career-tools.selectorLabels" . }}
app.kubernetes.io/version: {{ include "career-tools.imageTag" .root | trunc 63 | trimSuffix "-" | quote }}
app.kubernetes.io/part-of: career-tools
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
helm.sh/chart: {{ include "career-tools.chart" .root }}
{{- end }}

{{/* Labels shared by every pod of the release: what the default-deny NetworkPolicy selects. */}}
{{- define "career-tools.releaseSelectorLabels" -}}
app.kubernetes.io/name: {{ include "career-tools.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "career-tools.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "career-tools.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* The Secret the running pods read: the operator's, or the one this chart creates. */}}
{{- define "career-tools.secretName" -}}
{{- default (include "career-tools.fullname" .) .Values.secrets.existingSecret }}
{{- end }}

{{/*
The Secret the migration Jobs read. They run as pre-install hooks, before the chart's normal
resources exist, so they cannot read the chart's Secret: they read the operator's Secret
(which must exist beforehand) or a hook copy of the chart's Secret (templates/migrations.yaml).
*/}}
{{- define "career-tools.migrationsSecretName" -}}
{{- if .Values.secrets.existingSecret }}
{{- .Values.secrets.existingSecret }}
{{- else }}
{{- include "career-tools.componentName" (dict "root" . "component" "migrations") }}
{{- end }}
{{- end }}

{{/* Environment-variable prefix of a service: "billing" -> "BILLING". */}}
{{- define "career-tools.envPrefix" -}}
{{- . | upper | replace "-" "_" }}
{{- end }}

{{/*
Every component with its effective settings, as YAML: "gateway" plus each entry of
.Values.services laid over .Values.serviceDefaults. Templates loop over this one map.
Numbers come back as floats from fromYaml: print them through `int`.
*/}}
{{- define "career-tools.components" -}}
{{- $components := dict "gateway" (deepCopy .Values.gateway) }}
{{- range $name, $overrides := .Values.services }}
{{- $_ := set $components $name (mergeOverwrite (deepCopy $.Values.serviceDefaults) (deepCopy $overrides)) }}
{{- end }}
{{- toYaml $components }}
{{- end }}

{{/*
Non-secret settings of every pod (the ConfigMap's data). Ports are fixed by the image's
contract: gRPC 50051 and HTTP 8080 in each service, HTTP 8000 (the API) and 9000 (metrics and
probes) in the gateway.
*/}}
{{- define "career-tools.configData" -}}
{{- $data := dict
  "ENVIRONMENT" .Values.config.environment
  "LOG_LEVEL" .Values.config.logLevel
  "EVENTS_NAMESPACE" .Values.config.eventsNamespace
  "GATEWAY_HTTP_PORT" "8000"
  "GATEWAY_METRICS_PORT" "9000"
  "GATEWAY_CORS_ORIGINS" (join "," .Values.gateway.corsOrigins)
  "GATEWAY_MAX_BODY_BYTES" (.Values.gateway.maxBodyBytes | int64 | toString)
}}
{{- /* The SPA is normally the one CORS origin: no second value to keep in step. Billing
sends buyers back to it from Stripe and PayPal, so it gets the same URL. */}}
{{- /* Behind the Ingress the peer is the ingress controller: only its X-Forwarded-For names
the client (the rate limits' key); believing anyone else's would let clients pick their own. */}}
{{- if .Values.gateway.trustedProxies }}
{{- $_ := set $data "GATEWAY_FORWARDED_ALLOW_IPS" (join "," .Values.gateway.trustedProxies) }}
{{- else if .Values.ingress.enabled }}
{{- fail "gateway.trustedProxies is required with ingress.enabled: the addresses or CIDRs of the ingress controller's pods (e.g. the pod CIDR 10.244.0.0/16), whose X-Forwarded-For the gateway trusts" }}
{{- end }}
{{- $spa := .Values.gateway.spaBaseUrl | default (first .Values.gateway.corsOrigins) }}
{{- if $spa }}
{{- $_ := set $data "GATEWAY_SPA_BASE_URL" $spa }}
{{- $_ := set $data "BILLING_APP_BASE_URL" $spa }}
{{- end }}
{{- range $name, $service := .Values.services }}
{{- $prefix := include "career-tools.envPrefix" $name }}
{{- $host := include "career-tools.componentName" (dict "root" $ "component" $name) }}
{{- $_ := set $data (printf "%s_GRPC_PORT" $prefix) "50051" }}
{{- $_ := set $data (printf "%s_HTTP_PORT" $prefix) "8080" }}
{{- $_ := set $data (printf "GATEWAY_%s_GRPC_TARGET" $prefix) (printf "%s:50051" $host) }}
{{- if $service.webhookPaths }}
{{- $_ := set $data (printf "GATEWAY_%s_WEBHOOK_URL" $prefix) (printf "http://%s:8080" $host) }}
{{- end }}
{{- range $client := $service.grpcClients | default list }}
{{- $_ := set $data (printf "%s_%s_GRPC_TARGET" (include "career-tools.envPrefix" $client) $prefix) (printf "%s:50051" $host) }}
{{- end }}
{{- if eq $name "files" }}
{{- /* Uploads are streamed to the files service's HTTP port (gateway/routers/files.py). */}}
{{- $_ := set $data "GATEWAY_FILES_HTTP_URL" (printf "http://%s:8080" $host) }}
{{- end }}
{{- end }}
{{- range $key, $value := .Values.config.extra }}
{{- $_ := set $data $key (toString $value) }}
{{- end }}
{{- range $key, $value := $data }}
{{ $key }}: {{ $value | quote }}
{{- end }}
{{- end }}

{{/* The chart's Secret data (only without secrets.existingSecret). */}}
{{- define "career-tools.secretData" -}}
{{- $hint := "(or set secrets.existingSecret)" }}
INTERNAL_SECRET: {{ required (printf "secrets.internalSecret is required %s" $hint) .Values.secrets.internalSecret | b64enc | quote }}
NATS_URL: {{ required (printf "nats.url is required %s" $hint) .Values.nats.url | b64enc | quote }}
REDIS_URL: {{ required (printf "redis.url is required %s" $hint) .Values.redis.url | b64enc | quote }}
{{- range $name, $_ := .Values.services }}
{{- $url := index $.Values.externalDatabase.urls $name | default "" }}
{{ include "career-tools.envPrefix" $name }}_DATABASE_URL: {{ required (printf "externalDatabase.urls.%s is required %s" $name $hint) $url | b64enc | quote }}
{{- end }}
{{- range $key, $value := .Values.secrets.extra }}
{{ $key }}: {{ $value | toString | b64enc | quote }}
{{- end }}
{{- end }}

{{/* One env entry read from a Secret. Takes (dict "secret" name "key" KEY "optional" bool). */}}
{{- define "career-tools.secretEnvVar" -}}
- name: {{ .key }}
  valueFrom:
    secretKeyRef:
      name: {{ .secret }}
      key: {{ .key }}
      {{- if .optional }}
      optional: true
      {{- end }}
{{- end }}

{{/*
Secret environment of a component's container: what every process needs, the service's own
database URL (and no other service's), then its secretEnv keys.
Takes (dict "secret" name "component" name "settings" componentSettings).
*/}}
{{- define "career-tools.secretEnv" -}}
{{- $secret := .secret }}
{{- range list "INTERNAL_SECRET" "NATS_URL" "REDIS_URL" }}
{{ include "career-tools.secretEnvVar" (dict "secret" $secret "key" .) }}
{{- end }}
{{- if ne .component "gateway" }}
{{ include "career-tools.secretEnvVar" (dict "secret" $secret "key" (printf "%s_DATABASE_URL" (include "career-tools.envPrefix" .component))) }}
{{- end }}
{{- range .settings.secretEnv }}
{{ include "career-tools.secretEnvVar" (dict "secret" $secret "key" . "optional" true) }}
{{- end }}
{{- end }}

{{/* Pod-level hardening shared by every pod (Deployments and migration Jobs). */}}
{{- define "career-tools.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: 10001
runAsGroup: 10001
fsGroup: 10001
seccompProfile:
  type: RuntimeDefault
{{- end }}

{{/* Container-level hardening shared by every container. The image's user is 10001 too. */}}
{{- define "career-tools.containerSecurityContext" -}}
runAsNonRoot: true
runAsUser: 10001
runAsGroup: 10001
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
privileged: false
capabilities:
  drop:
    - ALL
seccompProfile:
  type: RuntimeDefault
{{- end }}
