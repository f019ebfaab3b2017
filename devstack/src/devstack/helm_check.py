"""The offline check of the Helm chart in deploy/helm/career-tools, and of the Dockerfile.

No cluster and no helm binary are needed. For every value set in deploy/helm/ci-values/
(defaults.yaml is the chart's defaults plus the credentials an operator must give), it:

1. lints the chart strictly (helm-python-sdk, Helm v4 as a library) for Kubernetes 1.30;
2. validates the values against values.schema.json, with Helm's validator and with jsonschema;
3. renders the chart as an install would, hooks included;
4. validates every manifest against the Kubernetes 1.30 API schemas (kubernetes-validate,
   strict: unknown fields are errors);
5. asserts what the platform relies on: the services of the service registry
   (career_kit.registry) and no others, in the values and the schema, hardened pods with probes
   and resources, a Service per Deployment, the environment contract of the gateway and the
   services, the migration hook Jobs and what they read, the NetworkPolicies, the Ingress
   routes, autoscalers and disruption budgets, labels and names.

It also checks that the root Dockerfile copies paths that exist and runs as the chart's user.

Run ``python -m devstack.helm_check``: it stops at the first problem with a message and exit
status 1, and prints one summary line on success. The tests in
devstack/tests/test_helm_chart.py call the same functions.
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
import tomllib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

import helm_python as helm
import jsonschema
import kubernetes_validate
import yaml

from career_kit import registry

KUBE_VERSION = "1.30.0"
RELEASE = "ct"
NAMESPACE = "career-tools"
CHART_NAME = "career-tools"

GATEWAY = "gateway"
SERVICES = registry.NAMES
# The keys of externalDatabase.urls, and the services receiving third-party webhooks.
DATABASES = tuple(service.database for service in registry.SERVICES)
WEBHOOK_RECEIVERS = tuple(service.name for service in registry.WEBHOOK_RECEIVERS)
# Service -> the other services that call its gRPC API.
GRPC_CLIENTS = {service.name: service.called_by for service in registry.SERVICES}
# Every service's pod listens on these (the image's contract), whatever the registry's ports
# for one machine are: each pod has its own address.
GRPC_PORT = 50051
SERVICE_HTTP_PORT = 8080
GATEWAY_HTTP_PORT = 8000
# The gateway's ops port (/metrics, /healthz, /readyz): for Prometheus and the kubelet only.
GATEWAY_METRICS_PORT = 9000
RUN_AS_USER = 10001
# Path prefix -> service receiving those third-party webhooks.
WEBHOOK_ROUTES = {"/webhooks/stripe": "billing", "/webhooks/paypal": "billing",
                  "/webhooks/social": "social"}

COMMON_ENV = (
    "ENVIRONMENT",
    "LOG_LEVEL",
    "NATS_URL",
    "REDIS_URL",
    "INTERNAL_SECRET",
    "EVENTS_NAMESPACE",
)
ENVIRONMENTS = ("development", "test", "production")
STANDARD_LABELS = (
    "app.kubernetes.io/name",
    "app.kubernetes.io/instance",
    "app.kubernetes.io/version",
    "app.kubernetes.io/component",
    "app.kubernetes.io/part-of",
    "app.kubernetes.io/managed-by",
    "helm.sh/chart",
)
MIGRATION_HOOK_EVENTS = {"pre-install", "pre-upgrade"}
MIGRATION_DELETE_POLICIES = {"before-hook-creation", "hook-succeeded"}


class ChartCheckError(Exception):
    """A problem found in the chart, its values, its manifests or the Dockerfile."""


def fail(message: str) -> NoReturn:
    raise ChartCheckError(message)


# --- locations and inputs --------------------------------------------------------------------


def repo_root() -> Path:
    """The repository root: the first directory holding deploy/helm/career-tools, searched
    upwards from the working directory, then from this file."""
    for start in (Path.cwd(), Path(__file__).resolve()):
        for directory in (start, *start.parents):
            if (directory / "deploy" / "helm" / CHART_NAME / "Chart.yaml").is_file():
                return directory
    fail("cannot find deploy/helm/career-tools/Chart.yaml above the working directory")


def chart_dir(root: Path | None = None) -> Path:
    return (root or repo_root()) / "deploy" / "helm" / CHART_NAME


def ci_values_dir(root: Path | None = None) -> Path:
    return (root or repo_root()) / "deploy" / "helm" / "ci-values"


def load_values_file(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text()) or {}
    if not isinstance(data, dict):
        fail(f"{path.name}: a values file must be a mapping")
    return data


def value_sets(values_dir: Path) -> dict[str, dict[str, Any]]:
    """Every ci-values file by name (without .yaml), sorted by name."""
    files = sorted(values_dir.glob("*.yaml"))
    if not files:
        fail(f"no value sets in {values_dir}")
    return {path.stem: load_values_file(path) for path in files}


# --- helm: lint, schema, render --------------------------------------------------------------


def lint(chart: Path, values: dict[str, Any], kube_version: str = KUBE_VERSION) -> None:
    """``helm lint --strict``: warnings count as errors; informational notes do not."""
    report = helm.lint(chart, values, strict=True, kube_version=f"v{kube_version}")
    problems = [
        f"{m['path']}: {m['error']}"
        for m in report.get("messages", [])
        if m.get("severity", 0) >= 2
    ]
    problems += [str(error) for error in report.get("errors") or []]
    if problems:
        fail("helm lint --strict:\n  " + "\n  ".join(problems))


def validate_values(chart: Path, values: dict[str, Any]) -> dict[str, Any]:
    """Validate values against values.schema.json with Helm's validator, then with
    jsonschema on the values an install would use; returns those merged values."""
    with helm.Chart.load(chart) as loaded:
        try:
            loaded.validate_schema(values)
        except helm.HelmValuesError as error:
            fail(f"values.schema.json (helm) rejects the values: {error}")
        merged = loaded.merge_values(values)
    schema = json.loads((chart / "values.schema.json").read_text())
    validator_class = jsonschema.validators.validator_for(schema)
    try:
        validator_class.check_schema(schema)
    except jsonschema.SchemaError as error:
        fail(f"values.schema.json is not a valid JSON schema: {error.message}")
    error = jsonschema.exceptions.best_match(validator_class(schema).iter_errors(merged))
    if error is not None:
        where = "/".join(str(part) for part in error.absolute_path) or "(root)"
        fail(f"values.schema.json (jsonschema) rejects the values at {where}: {error.message}")
    return merged


def render(
    chart: Path, values: dict[str, Any], *, release: str = RELEASE, namespace: str = NAMESPACE
) -> list[dict[str, Any]]:
    """Render the chart as ``helm install`` would (hooks included) and split the output into
    manifests. NOTES.txt is not a manifest and is left out."""
    with helm.Chart.load(chart) as loaded:
        try:
            rendered = loaded.render(values, name=release, namespace=namespace, is_install=True)
        except helm.HelmError as error:
            fail(f"helm template failed: {error}")
    manifests: list[dict[str, Any]] = []
    for template, text in sorted(rendered.items()):
        if template.endswith("NOTES.txt"):
            continue
        try:
            documents = list(yaml.safe_load_all(text))
        except yaml.YAMLError as error:
            fail(f"{template} does not render to YAML: {error}")
        for document in documents:
            if document is None:
                continue
            if not isinstance(document, dict) or "kind" not in document:
                fail(f"{template} renders something that is not a Kubernetes object")
            manifests.append(document)
    if not manifests:
        fail("the chart renders no manifests")
    return manifests


def validate_manifests(
    manifests: Iterable[dict[str, Any]], kube_version: str = KUBE_VERSION
) -> int:
    """Validate every manifest against the Kubernetes API schemas (strict); returns how many."""
    count = 0
    for manifest in manifests:
        try:
            kubernetes_validate.validate(manifest, kube_version, strict=True)
        except kubernetes_validate.ValidationError as error:
            where = ".".join(str(part) for part in error.path) or "(root)"
            fail(
                f"{ref(manifest)} is not a valid Kubernetes {kube_version} object at "
                f"{where}: {error.message}"
            )
        except kubernetes_validate.SchemaNotFoundError as error:
            fail(f"{ref(manifest)}: {error.message}")
        count += 1
    return count


# --- structural assertions -------------------------------------------------------------------


def ref(manifest: dict[str, Any]) -> str:
    return f"{manifest.get('kind')}/{manifest.get('metadata', {}).get('name')}"


def env_prefix(service: str) -> str:
    return service.upper().replace("-", "_")


@dataclass
class Rendered:
    """The rendered manifests of one value set, indexed for the assertions."""

    manifests: list[dict[str, Any]]
    values: dict[str, Any]
    release: str = RELEASE

    def of_kind(self, kind: str) -> list[dict[str, Any]]:
        return [m for m in self.manifests if m["kind"] == kind]

    def get(self, kind: str, name: str) -> dict[str, Any] | None:
        for manifest in self.of_kind(kind):
            if manifest["metadata"]["name"] == name:
                return manifest
        return None

    def need(self, kind: str, name: str) -> dict[str, Any]:
        manifest = self.get(kind, name)
        if manifest is None:
            fail(f"{kind}/{name} is not rendered")
        return manifest

    def find(self, kind: str, component: str) -> dict[str, Any]:
        """The one object of a kind labelled app.kubernetes.io/component=<component>."""
        found = [
            m
            for m in self.of_kind(kind)
            if (m["metadata"].get("labels") or {}).get("app.kubernetes.io/component") == component
        ]
        if len(found) != 1:
            fail(f"expected one {kind} for {component}, got {len(found)}")
        return found[0]

    def name(self, component: str) -> str:
        """The name of a component's Deployment."""
        return str(self.find("Deployment", component)["metadata"]["name"])

    def service_name(self, component: str) -> str:
        """The name of a component's Service: what other pods and the Ingress address."""
        return str(self.find("Service", component)["metadata"]["name"])

    def components(self) -> list[str]:
        return [GATEWAY, *sorted(self.values["services"])]


def hook_events(manifest: dict[str, Any]) -> set[str]:
    annotations = manifest["metadata"].get("annotations") or {}
    return {e.strip() for e in str(annotations.get("helm.sh/hook", "")).split(",") if e.strip()}


def hook_weight(manifest: dict[str, Any]) -> int:
    annotations = manifest["metadata"].get("annotations") or {}
    return int(annotations.get("helm.sh/hook-weight", "0"))


def pod_workloads(rendered: Rendered) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
    """(manifest, pod template) of every Deployment and Job."""
    for manifest in rendered.manifests:
        if manifest["kind"] in ("Deployment", "Job"):
            yield manifest, manifest["spec"]["template"]


def check_labels_and_names(rendered: Rendered) -> None:
    """Standard labels everywhere (pod templates too) and names Kubernetes accepts."""
    for manifest in rendered.manifests:
        name = manifest["metadata"]["name"]
        if len(name) > 63:
            fail(f"{ref(manifest)}: name longer than 63 characters")
        labels = manifest["metadata"].get("labels") or {}
        missing = [label for label in STANDARD_LABELS if label not in labels]
        if missing:
            fail(f"{ref(manifest)}: missing labels {missing}")
        if labels["app.kubernetes.io/instance"] != rendered.release:
            fail(f"{ref(manifest)}: app.kubernetes.io/instance is not the release name")
        if labels["app.kubernetes.io/part-of"] != CHART_NAME:
            fail(f"{ref(manifest)}: app.kubernetes.io/part-of is not {CHART_NAME}")
    for manifest, template in pod_workloads(rendered):
        labels = template["metadata"].get("labels") or {}
        missing = [label for label in STANDARD_LABELS if label not in labels]
        if missing:
            fail(f"{ref(manifest)}: pod template is missing labels {missing}")


def check_pod_hardening(manifest: dict[str, Any], pod: dict[str, Any]) -> None:
    """Non-root user 10001, read-only root, no privilege escalation, no capabilities, the
    runtime's seccomp profile, no service-account token, a writable /tmp."""
    where = ref(manifest)
    if pod.get("automountServiceAccountToken") is not False:
        fail(f"{where}: automountServiceAccountToken must be false")
    pod_security = pod.get("securityContext") or {}
    if pod_security.get("runAsNonRoot") is not True:
        fail(f"{where}: securityContext.runAsNonRoot must be true")
    if pod_security.get("runAsUser") != RUN_AS_USER:
        fail(f"{where}: securityContext.runAsUser must be {RUN_AS_USER}")
    if (pod_security.get("seccompProfile") or {}).get("type") != "RuntimeDefault":
        fail(f"{where}: securityContext.seccompProfile.type must be RuntimeDefault")
    volumes = {v["name"]: v for v in pod.get("volumes") or []}
    containers = pod.get("containers") or []
    if not containers:
        fail(f"{where}: no containers")
    for container in [*containers, *(pod.get("initContainers") or [])]:
        at = f"{where} container {container['name']}"
        security = container.get("securityContext") or {}
        if security.get("readOnlyRootFilesystem") is not True:
            fail(f"{at}: securityContext.readOnlyRootFilesystem must be true")
        if security.get("allowPrivilegeEscalation") is not False:
            fail(f"{at}: securityContext.allowPrivilegeEscalation must be false")
        if security.get("privileged"):
            fail(f"{at}: must not be privileged")
        if (security.get("capabilities") or {}).get("drop") != ["ALL"]:
            fail(f"{at}: securityContext.capabilities.drop must be [ALL]")
        if security.get("capabilities", {}).get("add"):
            fail(f"{at}: must not add capabilities")
        if security.get("runAsNonRoot", pod_security.get("runAsNonRoot")) is not True:
            fail(f"{at}: must run as non-root")
        if security.get("runAsUser", RUN_AS_USER) != RUN_AS_USER:
            fail(f"{at}: runAsUser must be {RUN_AS_USER}")
        resources = container.get("resources") or {}
        for bound in ("requests", "limits"):
            for resource in ("cpu", "memory"):
                if resource not in (resources.get(bound) or {}):
                    fail(f"{at}: resources.{bound}.{resource} is missing")
        mounts = {m["mountPath"]: m["name"] for m in container.get("volumeMounts") or []}
        if "emptyDir" not in volumes.get(mounts.get("/tmp", ""), {}):
            fail(f"{at}: /tmp must be an emptyDir (the root filesystem is read-only)")


def container_port(container: dict[str, Any], port: int | str) -> int | None:
    """A probe's or Service's port (number or name) as a number, if the container has it."""
    for declared in container.get("ports") or []:
        if port in (declared["containerPort"], declared.get("name")):
            return int(declared["containerPort"])
    return None


def check_probe(
    where: str,
    container: dict[str, Any],
    probe_name: str,
    *,
    grpc: bool,
    path: str | None,
    port: int,
) -> None:
    probe = container.get(probe_name)
    if not probe:
        fail(f"{where}: {probe_name} is missing")
    if grpc:
        if (probe.get("grpc") or {}).get("port") != port:
            fail(f"{where}: {probe_name} must be a gRPC probe on port {port}")
        return
    http = probe.get("httpGet") or {}
    if not http:
        fail(f"{where}: {probe_name} must be an HTTP probe")
    if path is not None and http.get("path") != path:
        fail(f"{where}: {probe_name} must GET {path}, not {http.get('path')}")
    if container_port(container, http.get("port")) != port:
        fail(f"{where}: {probe_name} must probe port {port}")


def check_deployments(rendered: Rendered) -> None:
    """One hardened Deployment per component with the right image, command, ports, probes,
    resources, a config checksum, and replicas or an autoscaler."""
    values = rendered.values
    tag = values["image"]["tag"] or None
    expected_deployments = {rendered.name(c) for c in rendered.components()}
    actual = {m["metadata"]["name"] for m in rendered.of_kind("Deployment")}
    if actual != expected_deployments:
        fail(
            f"Deployments {sorted(actual)} differ from the components "
            f"{sorted(expected_deployments)}"
        )
    for component in rendered.components():
        deployment = rendered.need("Deployment", rendered.name(component))
        where = ref(deployment)
        template = deployment["spec"]["template"]
        pod = template["spec"]
        check_pod_hardening(deployment, pod)
        if values["serviceAccount"]["create"]:
            account = pod.get("serviceAccountName")
            if account is None or rendered.get("ServiceAccount", account) is None:
                fail(f"{where}: must run as the release's ServiceAccount")
        annotations = template["metadata"].get("annotations") or {}
        if "checksum/config" not in annotations:
            fail(f"{where}: pod template needs a checksum/config annotation to roll on changes")
        metrics_port = GATEWAY_METRICS_PORT if component == GATEWAY else SERVICE_HTTP_PORT
        if annotations.get("prometheus.io/scrape") == "true" and (
            annotations.get("prometheus.io/port") != str(metrics_port)
        ):
            fail(f"{where}: prometheus.io/port must be {metrics_port}, where /metrics is served")
        selector = deployment["spec"]["selector"]["matchLabels"]
        if not selector.items() <= template["metadata"]["labels"].items():
            fail(f"{where}: selector does not match its own pods")
        if values["autoscaling"]["enabled"] == ("replicas" in deployment["spec"]):
            fail(f"{where}: spec.replicas must be set exactly when autoscaling is off")
        containers = pod["containers"]
        if len(containers) != 1:
            fail(f"{where}: expected one container")
        container = containers[0]
        image = container["image"]
        if not image.startswith(values["image"]["repository"] + ":") or (
            tag is not None and image != f"{values['image']['repository']}:{tag}"
        ):
            fail(f"{where}: image {image} is not {values['image']['repository']}:<tag>")
        at = f"{where} container {container['name']}"
        if component == GATEWAY:
            expected_command = ["python", "-m", "gateway.main"]
            if container_port(container, "http") != GATEWAY_HTTP_PORT:
                fail(f"{at}: needs port http={GATEWAY_HTTP_PORT}")
            if container_port(container, "metrics") != GATEWAY_METRICS_PORT:
                fail(f"{at}: needs port metrics={GATEWAY_METRICS_PORT}")
            # /readyz exists on the ops port only; startup asks the API's port, so that
            # readiness is asked only once the API listens (the ops port starts first).
            check_probe(
                at, container, "livenessProbe", grpc=False, path="/healthz",
                port=GATEWAY_METRICS_PORT,
            )
            check_probe(
                at, container, "readinessProbe", grpc=False, path="/readyz",
                port=GATEWAY_METRICS_PORT,
            )
            check_probe(
                at, container, "startupProbe", grpc=False, path="/healthz", port=GATEWAY_HTTP_PORT
            )
        else:
            expected_command = ["python", "-m", f"{component}.main", "serve"]
            if container_port(container, "grpc") != GRPC_PORT:
                fail(f"{at}: needs port grpc={GRPC_PORT}")
            if container_port(container, "http") != SERVICE_HTTP_PORT:
                fail(f"{at}: needs port http={SERVICE_HTTP_PORT}")
            check_probe(
                at, container, "livenessProbe", grpc=False, path="/healthz", port=SERVICE_HTTP_PORT
            )
            check_probe(at, container, "readinessProbe", grpc=True, path=None, port=GRPC_PORT)
            check_probe(at, container, "startupProbe", grpc=True, path=None, port=GRPC_PORT)
        if [*container.get("command", []), *container.get("args", [])] != expected_command:
            fail(f"{at}: must run {' '.join(expected_command)}")


def deployment_for_selector(rendered: Rendered, selector: dict[str, str]) -> list[str]:
    return [
        d["metadata"]["name"]
        for d in rendered.of_kind("Deployment")
        if selector.items() <= d["spec"]["template"]["metadata"]["labels"].items()
    ]


def check_services(rendered: Rendered) -> None:
    """A Service per component selecting exactly its Deployment's pods, on ports that exist."""
    for component in rendered.components():
        service = rendered.find("Service", component)
        selected = deployment_for_selector(rendered, service["spec"].get("selector") or {})
        if selected != [rendered.name(component)]:
            fail(f"{ref(service)}: selects Deployments {selected}, not just its own")
        deployment = rendered.need("Deployment", rendered.name(component))
        container = deployment["spec"]["template"]["spec"]["containers"][0]
        ports = {p["name"]: p for p in service["spec"]["ports"]}
        expected = (
            {"http": GATEWAY_HTTP_PORT, "metrics": GATEWAY_METRICS_PORT}
            if component == GATEWAY
            else {"grpc": GRPC_PORT, "http": SERVICE_HTTP_PORT}
        )
        for name, number in expected.items():
            port = ports.get(name)
            if port is None or port["port"] != number:
                fail(f"{ref(service)}: needs port {name}={number}")
            if container_port(container, port.get("targetPort", port["port"])) != number:
                fail(f"{ref(service)}: port {name} does not reach the container's {number}")
    # The migration pods must never receive Service traffic.
    for job in rendered.of_kind("Job"):
        labels = job["spec"]["template"]["metadata"]["labels"]
        for service in rendered.of_kind("Service"):
            if (service["spec"].get("selector") or {}).items() <= labels.items():
                fail(f"{ref(service)} selects the pods of {ref(job)}")


def resolve_env(rendered: Rendered, container: dict[str, Any], where: str) -> dict[str, str | None]:
    """The container's environment: name -> value, None for values read from a Secret. Also
    checks that every Secret/ConfigMap key it reads exists (unless optional or the Secret is
    the operator's)."""
    existing_secret = rendered.values["secrets"]["existingSecret"]
    env: dict[str, str | None] = {}

    def source(kind: str, name: str) -> dict[str, Any] | None:
        found = rendered.get(kind, name)
        if found is None and not (kind == "Secret" and name == existing_secret):
            fail(
                f"{where}: reads {kind} {name}, which neither the chart renders nor "
                "secrets.existingSecret names"
            )
        return found

    for entry in container.get("envFrom") or []:
        if "configMapRef" in entry:
            config_map = source("ConfigMap", entry["configMapRef"]["name"])
            if config_map is not None:
                env.update(config_map.get("data") or {})
    for entry in container.get("env") or []:
        value_from = entry.get("valueFrom")
        if value_from is None:
            env[entry["name"]] = entry.get("value", "")
            continue
        key_ref = value_from.get("secretKeyRef") or value_from.get("configMapKeyRef")
        if key_ref is not None:
            kind = "Secret" if "secretKeyRef" in value_from else "ConfigMap"
            found = source(kind, key_ref["name"])
            if found is not None and not key_ref.get("optional"):
                keys = set(found.get("data") or {}) | set(found.get("stringData") or {})
                if key_ref["key"] not in keys:
                    fail(
                        f"{where}: {entry['name']} reads key {key_ref['key']} that "
                        f"{kind} {key_ref['name']} does not have"
                    )
        env[entry["name"]] = None
    return env


def require_env(
    env: dict[str, str | None], where: str, name: str, value: str | None = None
) -> None:
    if name not in env:
        fail(f"{where}: environment variable {name} is missing")
    if value is not None and env[name] != value:
        fail(f"{where}: {name} is {env[name]!r}, expected {value!r}")


def check_env_contract(rendered: Rendered) -> None:
    """The environment each process expects (see the chart's README): common settings, each
    service's own database URL and ports, the gateway's targets and webhook URLs."""
    services = sorted(rendered.values["services"])
    for component in rendered.components():
        deployment = rendered.need("Deployment", rendered.name(component))
        pod = deployment["spec"]["template"]["spec"]
        container = pod["containers"][0]
        where = f"{ref(deployment)} container {container['name']}"
        env = resolve_env(rendered, container, where)
        for name in COMMON_ENV:
            require_env(env, where, name)
        if env["ENVIRONMENT"] not in ENVIRONMENTS:
            fail(f"{where}: ENVIRONMENT must be one of {ENVIRONMENTS}")
        databases = {n for n in env if n.endswith("_DATABASE_URL")}
        if component == GATEWAY:
            if databases:
                fail(f"{where}: the gateway must not receive database URLs {sorted(databases)}")
            require_env(env, where, "GATEWAY_HTTP_PORT", str(GATEWAY_HTTP_PORT))
            require_env(env, where, "GATEWAY_METRICS_PORT", str(GATEWAY_METRICS_PORT))
            require_env(env, where, "GATEWAY_CORS_ORIGINS")
            require_env(env, where, "GATEWAY_MAX_BODY_BYTES")
            for service in services:
                require_env(
                    env,
                    where,
                    f"GATEWAY_{env_prefix(service)}_GRPC_TARGET",
                    f"{rendered.service_name(service)}:{GRPC_PORT}",
                )
            for service in sorted(set(WEBHOOK_ROUTES.values())):
                require_env(
                    env,
                    where,
                    f"GATEWAY_{env_prefix(service)}_WEBHOOK_URL",
                    f"http://{rendered.service_name(service)}:{SERVICE_HTTP_PORT}",
                )
        else:
            prefix = env_prefix(component)
            if databases != {f"{prefix}_DATABASE_URL"}:
                fail(f"{where}: must receive its own database URL only, got {sorted(databases)}")
            require_env(env, where, f"{prefix}_GRPC_PORT", str(GRPC_PORT))
            require_env(env, where, f"{prefix}_HTTP_PORT", str(SERVICE_HTTP_PORT))
            for service, called_by in GRPC_CLIENTS.items():
                if component in called_by:
                    require_env(env, where, f"{prefix}_{env_prefix(service)}_GRPC_TARGET",
                                f"{rendered.service_name(service)}:{GRPC_PORT}")


def check_migration_jobs(rendered: Rendered) -> None:
    """One pre-install/pre-upgrade hook Job per service running its migrations, and nothing
    it reads is missing when it runs: anything it reads that the chart renders must itself
    be a pre-install/pre-upgrade hook with a lower weight (ordinary resources are created
    only after the pre-install hooks)."""
    jobs = rendered.of_kind("Job")
    if not rendered.values["migrations"]["enabled"]:
        if jobs:
            fail("migrations are disabled but Jobs are rendered")
        return
    if len(jobs) != len(rendered.values["services"]):
        fail(f"expected one migration Job per service, got {len(jobs)}")
    for service in sorted(rendered.values["services"]):
        command = ["python", "-m", f"{service}.main", "migrate"]
        matching = [
            job
            for job in jobs
            if any(
                [*c.get("command", []), *c.get("args", [])] == command
                for c in job["spec"]["template"]["spec"]["containers"]
            )
        ]
        if len(matching) != 1:
            fail(f"expected one Job running {' '.join(command)}, got {len(matching)}")
        job = matching[0]
        where = ref(job)
        events = hook_events(job)
        if events != MIGRATION_HOOK_EVENTS:
            fail(f"{where}: helm.sh/hook must be pre-install,pre-upgrade, not {sorted(events)}")
        annotations = job["metadata"]["annotations"]
        policies = {p.strip() for p in annotations.get("helm.sh/hook-delete-policy", "").split(",")}
        if policies != MIGRATION_DELETE_POLICIES:
            fail(f"{where}: helm.sh/hook-delete-policy must be before-hook-creation,hook-succeeded")
        pod = job["spec"]["template"]["spec"]
        if pod.get("restartPolicy") not in ("Never", "OnFailure"):
            fail(f"{where}: restartPolicy must be Never or OnFailure")
        check_pod_hardening(job, pod)
        account = pod.get("serviceAccountName")
        if account is not None:
            rendered_account = rendered.get("ServiceAccount", account)
            if rendered_account is not None and not hook_events(rendered_account):
                fail(f"{where}: uses ServiceAccount {account}, created only after the hook")
        for container in pod["containers"]:
            at = f"{where} container {container['name']}"
            env = resolve_env(rendered, container, at)
            require_env(env, at, f"{env_prefix(service)}_DATABASE_URL")
            for name in COMMON_ENV:
                require_env(env, at, name)
            for kind, name in referenced_objects(container):
                obj = rendered.get(kind, name)
                if obj is None:
                    continue  # the operator's Secret, checked in resolve_env
                if not MIGRATION_HOOK_EVENTS <= hook_events(obj):
                    fail(
                        f"{at}: reads {kind}/{name}, which does not exist yet when the "
                        "pre-install hook runs (make it a hook or use existingSecret)"
                    )
                if hook_weight(obj) >= hook_weight(job):
                    fail(f"{at}: {kind}/{name} must have a lower hook weight than the Job")


def referenced_objects(container: dict[str, Any]) -> set[tuple[str, str]]:
    found: set[tuple[str, str]] = set()
    for entry in container.get("envFrom") or []:
        if "configMapRef" in entry:
            found.add(("ConfigMap", entry["configMapRef"]["name"]))
        if "secretRef" in entry:
            found.add(("Secret", entry["secretRef"]["name"]))
    for entry in container.get("env") or []:
        value_from = entry.get("valueFrom") or {}
        if "secretKeyRef" in value_from:
            found.add(("Secret", value_from["secretKeyRef"]["name"]))
        if "configMapKeyRef" in value_from:
            found.add(("ConfigMap", value_from["configMapKeyRef"]["name"]))
    return found


def selects(selector: dict[str, Any], labels: dict[str, str]) -> bool:
    if selector.get("matchExpressions"):
        fail("matchExpressions in a chart podSelector are not supported by this check")
    return (selector.get("matchLabels") or {}).items() <= labels.items()


def check_network_policies(rendered: Rendered) -> None:
    """Default deny for every pod of the release; then gRPC only from the gateway pods, the
    ops port from Prometheus, webhooks and the gateway from the ingress controller."""
    policies = rendered.of_kind("NetworkPolicy")
    np_values = rendered.values["networkPolicy"]
    if not np_values["enabled"]:
        if policies:
            fail("networkPolicy.enabled is false but NetworkPolicies are rendered")
        return
    pods = [(ref(m), t["metadata"]["labels"]) for m, t in pod_workloads(rendered)]
    deny = [
        p
        for p in policies
        if "Ingress" in p["spec"].get("policyTypes", [])
        and not p["spec"].get("ingress")
        and all(selects(p["spec"]["podSelector"], labels) for _, labels in pods)
    ]
    if not deny:
        fail("no default-deny NetworkPolicy selects every pod of the release")

    # A peer admits only gateway pods if its podSelector demands the gateway's own selector
    # labels (same namespace: no namespaceSelector, no ipBlock).
    gateway_selector = rendered.find("Deployment", GATEWAY)["spec"]["selector"]["matchLabels"]

    def only_pods(peer: dict[str, Any], selector: dict[str, str]) -> bool:
        if set(peer) != {"podSelector"} or peer["podSelector"].get("matchExpressions"):
            return False
        return selector.items() <= (peer["podSelector"].get("matchLabels") or {}).items()

    def only_gateway(peer: dict[str, Any]) -> bool:
        return only_pods(peer, gateway_selector)

    ingress_peer = {
        key: np_values["ingressController"][key] for key in ("namespaceSelector", "podSelector")
    }
    metrics_peer = {key: np_values["metrics"][key] for key in ("namespaceSelector", "podSelector")}
    kubelet_cidrs = set(np_values["kubeletCIDRs"])

    for component in rendered.components():
        template = rendered.find("Deployment", component)["spec"]["template"]
        labels = template["metadata"]["labels"]
        container = template["spec"]["containers"][0]
        rules = [
            rule
            for p in policies
            if selects(p["spec"]["podSelector"], labels)
            for rule in p["spec"].get("ingress") or []
        ]
        allowed: dict[int, list[dict[str, Any]]] = {}
        for rule in rules:
            if not rule.get("from"):
                fail(f"{component}: a NetworkPolicy rule admits traffic from anywhere")
            if not rule.get("ports"):
                fail(f"{component}: a NetworkPolicy rule admits every port")
            for port in rule["ports"]:
                number = container_port(container, port["port"]) or port["port"]
                allowed.setdefault(int(number), []).extend(rule["from"])
        where = f"NetworkPolicy for {component}"
        if component == GATEWAY:
            if ingress_peer not in allowed.get(GATEWAY_HTTP_PORT, []):
                fail(f"{where}: the ingress controller cannot reach port {GATEWAY_HTTP_PORT}")
            if metrics_peer not in allowed.get(GATEWAY_METRICS_PORT, []):
                fail(f"{where}: Prometheus cannot scrape port {GATEWAY_METRICS_PORT}")
            if ingress_peer in allowed.get(GATEWAY_METRICS_PORT, []):
                fail(
                    f"{where}: the ingress controller reaches the ops port "
                    f"{GATEWAY_METRICS_PORT} (metrics and readiness are internal)"
                )
            for cidr in kubelet_cidrs:
                for port in (GATEWAY_HTTP_PORT, GATEWAY_METRICS_PORT):
                    if {"ipBlock": {"cidr": cidr}} not in allowed.get(port, []):
                        fail(f"{where}: kubelet CIDR {cidr} cannot probe port {port}")
            continue
        clients = {client: rendered.find("Deployment", client)["spec"]["selector"]["matchLabels"]
                   for client in GRPC_CLIENTS.get(component, ())}
        admitted_clients = set()
        for peer in allowed.get(GRPC_PORT, []):
            from_gateway = only_gateway(peer)
            from_kubelet = set(peer) == {"ipBlock"} and peer["ipBlock"]["cidr"] in kubelet_cidrs
            from_client = [name for name, selector in clients.items()
                           if only_pods(peer, selector)]
            admitted_clients.update(from_client)
            if not (from_gateway or from_kubelet or from_client):
                fail(f"{where}: gRPC port {GRPC_PORT} admits {peer}, not only the gateway "
                     f"and its registered clients {sorted(clients)}")
        if missing := set(clients) - admitted_clients:
            fail(f"{where}: its gRPC clients {sorted(missing)} cannot reach port {GRPC_PORT}")
        if not any(only_gateway(peer) for peer in allowed.get(GRPC_PORT, [])):
            fail(f"{where}: the gateway cannot reach gRPC port {GRPC_PORT}")
        if metrics_peer not in allowed.get(SERVICE_HTTP_PORT, []):
            fail(f"{where}: Prometheus cannot scrape port {SERVICE_HTTP_PORT}")
        if component in WEBHOOK_ROUTES.values() and (
            ingress_peer not in allowed.get(SERVICE_HTTP_PORT, [])
        ):
            fail(
                f"{where}: the ingress controller cannot deliver webhooks to port "
                f"{SERVICE_HTTP_PORT}"
            )
        for cidr in kubelet_cidrs:
            for port in (GRPC_PORT, SERVICE_HTTP_PORT):
                if {"ipBlock": {"cidr": cidr}} not in allowed.get(port, []):
                    fail(f"{where}: kubelet CIDR {cidr} cannot probe port {port}")


def service_port_number(rendered: Rendered, backend: dict[str, Any]) -> tuple[str, int | None]:
    service_name = backend["service"]["name"]
    service = rendered.get("Service", service_name)
    if service is None:
        fail(f"Ingress routes to Service {service_name}, which is not rendered")
    wanted = backend["service"]["port"]
    for port in service["spec"]["ports"]:
        if wanted.get("number") == port["port"] or wanted.get("name") == port.get("name"):
            return service_name, int(port["port"])
    return service_name, None


def check_ingress(rendered: Rendered) -> None:
    """/ to the gateway's HTTP port, /webhooks/stripe to billing's and /webhooks/social to
    social's HTTP port, nothing to the gateway's ops port, with TLS for the host name when
    enabled."""
    ingresses = rendered.of_kind("Ingress")
    ingress_values = rendered.values["ingress"]
    if not ingress_values["enabled"]:
        if ingresses:
            fail("ingress.enabled is false but an Ingress is rendered")
        return
    if len(ingresses) != 1:
        fail(f"expected one Ingress, got {len(ingresses)}")
    ingress = ingresses[0]
    spec = ingress["spec"]
    if ingress_values["className"] and spec.get("ingressClassName") != ingress_values["className"]:
        fail(f"{ref(ingress)}: ingressClassName is not {ingress_values['className']}")
    routes: dict[str, tuple[str, int | None]] = {}
    for rule in spec["rules"]:
        if ingress_values["hostname"] and rule.get("host") != ingress_values["hostname"]:
            fail(f"{ref(ingress)}: rule host is not {ingress_values['hostname']}")
        for path in rule["http"]["paths"]:
            if path.get("pathType") != "Prefix":
                fail(f"{ref(ingress)}: path {path['path']} must be a Prefix path")
            routes[path["path"]] = service_port_number(rendered, path["backend"])
    expected = {"/": (rendered.service_name(GATEWAY), GATEWAY_HTTP_PORT)}
    for prefix, service in WEBHOOK_ROUTES.items():
        expected[prefix] = (rendered.service_name(service), SERVICE_HTTP_PORT)
    for prefix, target in expected.items():
        if routes.get(prefix) != target:
            fail(
                f"{ref(ingress)}: {prefix} must route to {target[0]}:{target[1]}, "
                f"not {routes.get(prefix)}"
            )
    for prefix, (service_name, port) in routes.items():
        if service_name == rendered.service_name(GATEWAY) and port != GATEWAY_HTTP_PORT:
            fail(f"{ref(ingress)}: {prefix} routes to the gateway's port {port}, not its API")
    if ingress_values["tls"]["enabled"]:
        hosts = [host for tls in spec.get("tls") or [] for host in tls.get("hosts") or []]
        if ingress_values["hostname"] not in hosts:
            fail(f"{ref(ingress)}: TLS is enabled but does not cover {ingress_values['hostname']}")
    elif spec.get("tls"):
        fail(f"{ref(ingress)}: TLS is disabled but the Ingress has a tls section")


def check_autoscaling_and_budgets(rendered: Rendered) -> None:
    """An autoscaler and a disruption budget per Deployment when switched on, none when off."""
    deployments = {d["metadata"]["name"]: d for d in rendered.of_kind("Deployment")}
    autoscalers = rendered.of_kind("HorizontalPodAutoscaler")
    if rendered.values["autoscaling"]["enabled"]:
        targets = sorted(h["spec"]["scaleTargetRef"]["name"] for h in autoscalers)
        if targets != sorted(deployments):
            fail(f"autoscalers target {targets}, expected one per Deployment")
        for hpa in autoscalers:
            spec = hpa["spec"]
            if spec["scaleTargetRef"]["kind"] != "Deployment":
                fail(f"{ref(hpa)}: must scale a Deployment")
            if not 1 <= spec.get("minReplicas", 1) <= spec["maxReplicas"]:
                fail(f"{ref(hpa)}: needs 1 <= minReplicas <= maxReplicas")
    elif autoscalers:
        fail("autoscaling.enabled is false but autoscalers are rendered")
    budgets = rendered.of_kind("PodDisruptionBudget")
    if rendered.values["podDisruptionBudget"]["enabled"]:
        covered = sorted(
            name
            for pdb in budgets
            for name in deployment_for_selector(rendered, pdb["spec"]["selector"]["matchLabels"])
        )
        if covered != sorted(deployments):
            fail(f"disruption budgets cover {covered}, expected each Deployment once")
    elif budgets:
        fail("podDisruptionBudget.enabled is false but budgets are rendered")


def _disagreement(what: str, names: Iterable[str], expected: Iterable[str]) -> str | None:
    """What `names` lacks and has too many compared with `expected`, or None if they agree."""
    names, expected = set(names), set(expected)
    if names == expected:
        return None
    return (f"{what} disagree with the service registry (career_kit.registry): missing "
            f"{sorted(expected - names)}, not in the registry {sorted(names - expected)}")


def check_registry_values(values: dict[str, Any]) -> None:
    """The values name exactly the registry's services, a database URL for each, webhookPaths
    on exactly the services the registry says receive webhooks, and grpcClients as the
    registry's called_by."""
    services = values["services"]
    with_webhooks = [name for name, service in services.items() if service.get("webhookPaths")]
    problem = (
        _disagreement("the values' services", services, SERVICES)
        or _disagreement("the keys of externalDatabase.urls",
                         values["externalDatabase"]["urls"], DATABASES)
        or _disagreement("the services with webhookPaths", with_webhooks, WEBHOOK_RECEIVERS)
        or _disagreement("the services webhooks are routed to", WEBHOOK_ROUTES.values(),
                         WEBHOOK_RECEIVERS)
        or next((f"services.{name}.grpcClients {sorted(given)} disagree with the registry's "
                 f"called_by {sorted(GRPC_CLIENTS.get(name, ()))}"
                 for name, service in services.items()
                 if (given := set(service.get("grpcClients") or ()))
                 != set(GRPC_CLIENTS.get(name, ()))), None)
    )
    if problem:
        fail(problem)


def check_schema_names_registry(chart: Path) -> None:
    """values.schema.json requires a block under `services`, and a database URL, for exactly
    the registry's services."""
    schema = json.loads((chart / "values.schema.json").read_text())
    try:
        services = schema["properties"]["services"]["required"]
        urls = schema["then"]["properties"]["externalDatabase"]["properties"]["urls"]["required"]
    except KeyError as error:
        fail(f"values.schema.json no longer lists the required services and database URLs "
             f"where this check reads them (missing key {error})")
    problem = (
        _disagreement("the services values.schema.json requires", services, SERVICES)
        or _disagreement("the database URLs values.schema.json requires", urls, DATABASES)
    )
    if problem:
        fail(problem)


def check_structure(rendered: Rendered) -> None:
    """Every structural assertion, in the order a reader would check them."""
    check_registry_values(rendered.values)
    check_labels_and_names(rendered)
    check_deployments(rendered)
    check_services(rendered)
    check_env_contract(rendered)
    check_migration_jobs(rendered)
    check_network_policies(rendered)
    check_ingress(rendered)
    check_autoscaling_and_budgets(rendered)


# --- the Dockerfile --------------------------------------------------------------------------


def dockerfile_instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    instructions: list[tuple[str, str]] = []
    pending = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if pending and line.startswith("#"):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        pending += line
        keyword, _, arguments = pending.strip().partition(" ")
        instructions.append((keyword.upper(), arguments.strip()))
        pending = ""
    return instructions


def workspace_packages(root: Path) -> set[str]:
    """Names of the workspace's member packages, from their pyproject.toml files."""
    config = tomllib.loads((root / "pyproject.toml").read_text())
    names: set[str] = set()
    for pattern in config["tool"]["uv"]["workspace"]["members"]:
        for member in sorted(root.glob(pattern)):
            pyproject = member / "pyproject.toml"
            if pyproject.is_file():
                names.add(tomllib.loads(pyproject.read_text())["project"]["name"])
    return names


def check_dockerfile(
    root: Path, run_as_user: int = RUN_AS_USER, dockerfile_text: str | None = None
) -> None:
    """What can be checked without a Docker engine: the sources it copies exist and are not
    excluded by .dockerignore, it installs every service from the lockfile, keeps the
    migrations where `migrate` looks for them, and runs as the chart's user.
    ``dockerfile_text`` replaces the root Dockerfile's content (for tests)."""
    if dockerfile_text is None:
        dockerfile = root / "Dockerfile"
        if not dockerfile.is_file():
            fail("Dockerfile is missing at the repository root")
        dockerfile_text = dockerfile.read_text()
    instructions = dockerfile_instructions(dockerfile_text)
    stages = [args for keyword, args in instructions if keyword == "FROM"]
    if len(stages) < 2:
        fail("Dockerfile must be multi-stage (builder + runtime)")
    if not stages[-1].startswith("python:3.11-slim"):
        fail("Dockerfile: the runtime stage must be FROM python:3.11-slim")

    ignore = root / ".dockerignore"
    ignore_lines = ignore.read_text().splitlines() if ignore.is_file() else []
    excludes_all = "*" in ignore_lines
    for keyword, args in instructions:
        if keyword != "COPY":
            continue
        parts = [p for p in shlex.split(args) if not p.startswith("--")]
        if any(p.startswith("--from") for p in shlex.split(args)):
            continue
        for source in parts[:-1]:
            if not (root / source).exists():
                fail(f"Dockerfile copies {source}, which does not exist in the repository")
            top = source.rstrip("/").split("/")[0]
            if excludes_all and not ({f"!{top}", f"!{top}/"} & set(ignore_lines)):
                fail(f".dockerignore excludes {source}, which the Dockerfile copies")

    runs = " ".join(args for keyword, args in instructions if keyword == "RUN")
    if "uv==0.13.8" not in runs:
        fail("Dockerfile must install uv==0.13.8")
    sync = next(
        (args for keyword, args in instructions if keyword == "RUN" and "uv sync" in args), None
    )
    if sync is None:
        fail("Dockerfile must run uv sync")
    words = shlex.split(sync)
    for flag in ("--frozen", "--no-dev", "--no-editable"):
        if flag not in words:
            fail(f"Dockerfile: uv sync needs {flag}")
    if "--all-packages" not in words:
        installed = {words[i + 1] for i, word in enumerate(words[:-1]) if word == "--package"}
        known = workspace_packages(root)
        unknown = installed - known
        if unknown:
            fail(f"Dockerfile installs {sorted(unknown)}, not workspace packages")
        wanted = {f"career-{name}" for name in (GATEWAY, *SERVICES)}
        if not wanted <= installed:
            fail(f"Dockerfile does not install {sorted(wanted - installed)}")
    if "services/*/migrations" not in runs and not any(
        keyword == "COPY" and "migrations" in args for keyword, args in instructions
    ):
        fail("Dockerfile must keep services/<name>/migrations in the image")

    runtime = instructions[[i for i, (k, _) in enumerate(instructions) if k == "FROM"][-1] :]
    users = [args for keyword, args in runtime if keyword == "USER"]
    if not users or users[-1].split(":")[0] != str(run_as_user):
        fail(
            f"Dockerfile: the runtime stage must end with USER {run_as_user} "
            "(the chart's runAsUser)"
        )
    if [args for keyword, args in runtime if keyword == "WORKDIR"][-1:] != ["/app"]:
        fail("Dockerfile: the runtime WORKDIR must be /app")
    env_text = " ".join(args for keyword, args in runtime if keyword == "ENV")
    env = dict(word.split("=", 1) for word in shlex.split(env_text) if "=" in word)
    if "/app/.venv/bin" not in env.get("PATH", ""):
        fail("Dockerfile: PATH must include /app/.venv/bin")
    if env.get("PYTHONDONTWRITEBYTECODE") != "1":
        fail("Dockerfile: PYTHONDONTWRITEBYTECODE must be 1 (read-only root filesystem)")
    cmd = [args for keyword, args in runtime if keyword == "CMD"]
    if not cmd or json.loads(cmd[-1]) != ["python", "-m", "gateway.main"]:
        fail('Dockerfile: the default CMD must be ["python", "-m", "gateway.main"]')


# --- putting it together ---------------------------------------------------------------------


def check_values_set(
    chart: Path, values: dict[str, Any], kube_version: str = KUBE_VERSION
) -> Rendered:
    """Lint, validate, render, validate the manifests and assert the structure of one value
    set; returns the rendered manifests."""
    lint(chart, values, kube_version)
    check_schema_names_registry(chart)
    merged = validate_values(chart, values)
    manifests = render(chart, values)
    validate_manifests(manifests, kube_version)
    rendered = Rendered(manifests=manifests, values=merged)
    check_structure(rendered)
    return rendered


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m devstack.helm_check", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--chart", type=Path, help="chart directory")
    parser.add_argument("--values-dir", type=Path, help="directory of CI value sets")
    parser.add_argument("--kube-version", default=KUBE_VERSION)
    args = parser.parse_args(argv)
    label = "setup"
    try:
        root = repo_root()
        chart = args.chart or chart_dir(root)
        sets = value_sets(args.values_dir or ci_values_dir(root))
        total = 0
        for name, values in sets.items():
            label = name
            rendered = check_values_set(chart, values, args.kube_version)
            total += len(rendered.manifests)
        label = "Dockerfile"
        pod = rendered.find("Deployment", GATEWAY)["spec"]["template"]["spec"]
        check_dockerfile(root, run_as_user=pod["securityContext"]["runAsUser"])
    except ChartCheckError as error:
        print(f"helm_check: FAILED [{label}] {error}", file=sys.stderr)
        return 1
    print(
        f"helm_check: OK - {len(sets)} value sets ({', '.join(sets)}), {total} manifests "
        f"lint-clean and valid for Kubernetes {args.kube_version} (strict); "
        "Dockerfile agrees with the chart"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
