{{/* Names and labels shared by every template. */}}
{{- define "magicode.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "magicode.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "magicode.selectorLabels" -}}
app.kubernetes.io/name: {{ include "magicode.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "magicode.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{ include "magicode.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: magicode
{{- end -}}

{{- define "magicode.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "magicode.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* An image reference: global registry override, then tag or digest. Args: (dict "image" X "root" $ "tag" default) */}}
{{- define "magicode.image" -}}
{{- $registry := .image.registry -}}
{{- if .root.Values.global.imageRegistry -}}{{- $registry = .root.Values.global.imageRegistry -}}{{- end -}}
{{- $repo := .image.repository -}}
{{- if $registry -}}{{- $repo = printf "%s/%s" $registry .image.repository -}}{{- end -}}
{{- if .image.digest -}}
{{- printf "%s@%s" $repo .image.digest -}}
{{- else -}}
{{- printf "%s:%s" $repo (default .tag .image.tag) -}}
{{- end -}}
{{- end -}}

{{- define "magicode.masterKeySecret" -}}
{{- default (printf "%s-master-key" (include "magicode.fullname" .)) .Values.secrets.masterKey.existingSecret -}}
{{- end -}}

{{- define "magicode.webhookSecret" -}}
{{- default (printf "%s-github-webhook" (include "magicode.fullname" .)) .Values.github.webhookSecret.existingSecret -}}
{{- end -}}

{{- define "magicode.oidcSecret" -}}
{{- default (printf "%s-oidc" (include "magicode.fullname" .)) .Values.oidc.clientSecret.existingSecret -}}
{{- end -}}

{{- define "magicode.publicUrl" -}}
{{- if .Values.server.publicUrl -}}
{{- .Values.server.publicUrl -}}
{{- else if .Values.ingress.enabled -}}
{{- printf "%s://%s/" (ternary "https" "http" .Values.ingress.tls.enabled) .Values.ingress.host -}}
{{- end -}}
{{- end -}}

{{/* The JVM's options: heap, custom CA trust store, proxy. */}}
{{- define "magicode.javaOptions" -}}
{{- $opts := list (printf "-XX:MaxRAMPercentage=%v" .Values.jvm.maxRamPercentage) -}}
{{- if or .Values.caBundle.secretName .Values.caBundle.configMapName -}}
{{- $opts = append $opts "-Djavax.net.ssl.trustStore=/var/run/magicode/truststore/cacerts -Djavax.net.ssl.trustStorePassword=changeit -Djavax.net.ssl.trustStoreType=PKCS12" -}}
{{- end -}}
{{- /* A proxy URL without a port uses its scheme's default port. */ -}}
{{- range $scheme := list "https" "http" -}}
{{- with (get $.Values.proxy $scheme) -}}
{{- $u := urlParse . -}}
{{- $hp := splitList ":" $u.host -}}
{{- $port := ternary (last $hp) (ternary "443" "80" (eq $u.scheme "https")) (gt (len $hp) 1) -}}
{{- $opts = append $opts (printf "-D%s.proxyHost=%s -D%s.proxyPort=%s" $scheme (first $hp) $scheme $port) -}}
{{- end -}}
{{- end -}}
{{- if or .Values.proxy.http .Values.proxy.https -}}
{{- $opts = append $opts (printf "-Dhttp.nonProxyHosts=%s" (include "magicode.noProxy" . | replace "," "|" | replace "|." "|*." | quote)) -}}
{{- end -}}
{{- with .Values.jvm.extraOptions -}}{{- $opts = append $opts . -}}{{- end -}}
{{- join " " $opts -}}
{{- end -}}

{{- define "magicode.noProxy" -}}
{{- $base := list "localhost" "127.0.0.1" ".svc" ".cluster.local" (printf ".%s.svc" .Release.Namespace) -}}
{{- $extra := splitList "," .Values.proxy.noProxy | compact -}}
{{- join "," (concat $base $extra | uniq) -}}
{{- end -}}

{{/* One egress target as a NetworkPolicy rule. */}}
{{- define "magicode.egressRule" -}}
{{- $t := .target -}}
{{- if and .root.Values.airGapped $t.cidr -}}
{{- fail (printf "airGapped: egress target %s is a CIDR; only in-cluster (namespace/pod selector) targets are allowed" $t.cidr) -}}
{{- end -}}
- to:
    {{- if $t.cidr }}
    - ipBlock:
        cidr: {{ $t.cidr }}
    {{- else }}
    - {{- with $t.namespaceSelector }}
      namespaceSelector:
        matchLabels: {{- toYaml . | nindent 10 }}
      {{- end }}
      {{- with $t.podSelector }}
      podSelector:
        matchLabels: {{- toYaml . | nindent 10 }}
      {{- end }}
    {{- end }}
  ports:
    {{- range (default (list 443) $t.ports) }}
    - protocol: TCP
      port: {{ . }}
    {{- end }}
{{- end -}}
