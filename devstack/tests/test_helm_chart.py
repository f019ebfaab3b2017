"""The Helm chart (deploy/helm/career-tools) and the Dockerfile, checked offline.

Same functions as `python -m devstack.helm_check`: every CI value set is linted, validated,
rendered and validated against the Kubernetes 1.30 schemas, then each property the platform
relies on is asserted on its own, so a failure names the property. The negative tests prove
the check rejects what it must.
"""

from __future__ import annotations

import copy
import functools
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from devstack import helm_check

ChartCheckError = helm_check.ChartCheckError
Rendered = helm_check.Rendered

ROOT = helm_check.repo_root()
CHART = helm_check.chart_dir(ROOT)
VALUE_SETS = helm_check.value_sets(helm_check.ci_values_dir(ROOT))


@functools.cache
def rendered(set_name: str) -> Rendered:
    """Lint, validate and render one CI value set once, for all the tests below."""
    values = VALUE_SETS[set_name]
    helm_check.lint(CHART, values)
    merged = helm_check.validate_values(CHART, values)
    manifests = helm_check.render(CHART, values)
    helm_check.validate_manifests(manifests)
    return Rendered(manifests=manifests, values=merged)


def fresh(set_name: str) -> Rendered:
    """A deep copy of a rendered set, for tests that break it on purpose."""
    original = rendered(set_name)
    return Rendered(copy.deepcopy(original.manifests), copy.deepcopy(original.values))


def with_defaults(**overrides: Any) -> dict[str, Any]:
    """The defaults value set with top-level keys replaced."""
    values = copy.deepcopy(VALUE_SETS["defaults"])
    values.update(overrides)
    return values


@pytest.fixture(params=sorted(VALUE_SETS))
def set_name(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def test_ci_value_sets_cover_defaults_production_and_minimal() -> None:
    assert {"defaults", "production", "minimal"} <= set(VALUE_SETS)


def test_value_set_lints_renders_and_validates_against_kubernetes_1_30(set_name: str) -> None:
    assert len(rendered(set_name).manifests) > 20


def test_value_set_passes_every_structural_check(set_name: str) -> None:
    helm_check.check_structure(rendered(set_name))


def test_deployments_are_hardened_probed_and_bounded(set_name: str) -> None:
    helm_check.check_deployments(rendered(set_name))


def test_each_process_gets_its_environment_contract(set_name: str) -> None:
    helm_check.check_env_contract(rendered(set_name))


def test_migration_jobs_run_before_install_and_read_only_what_exists(set_name: str) -> None:
    helm_check.check_migration_jobs(rendered(set_name))


def test_network_policies_deny_by_default_and_admit_grpc_only_from_gateway(
    set_name: str,
) -> None:
    helm_check.check_network_policies(rendered(set_name))


def test_ingress_routes_api_and_webhooks(set_name: str) -> None:
    helm_check.check_ingress(rendered(set_name))


def test_autoscalers_and_budgets_follow_their_switches(set_name: str) -> None:
    helm_check.check_autoscaling_and_budgets(rendered(set_name))


def test_default_and_production_sets_route_the_gateway_and_every_webhook() -> None:
    for name in ("defaults", "production"):
        ingress = rendered(name).of_kind("Ingress")[0]
        paths = {p["path"] for rule in ingress["spec"]["rules"] for p in rule["http"]["paths"]}
        assert paths == {"/", "/webhooks/stripe", "/webhooks/paypal", "/webhooks/social"}


def test_production_set_has_tls_and_uses_the_operators_secret() -> None:
    production = rendered("production")
    ingress = production.of_kind("Ingress")[0]
    assert ingress["spec"]["tls"] == [
        {"hosts": ["api.career-tools.example"], "secretName": "api.career-tools.example-tls"}
    ]
    assert production.of_kind("Secret") == []
    for job in production.of_kind("Job"):
        container = job["spec"]["template"]["spec"]["containers"][0]
        secrets = {
            e["valueFrom"]["secretKeyRef"]["name"] for e in container["env"] if "valueFrom" in e
        }
        assert secrets == {"career-tools-credentials"}


def test_gateway_metrics_are_scraped_on_the_ops_port_the_ingress_never_reaches() -> None:
    defaults = rendered("defaults")
    gateway = defaults.find("Deployment", "gateway")["spec"]["template"]
    assert gateway["metadata"]["annotations"]["prometheus.io/port"] == "9000"
    container = gateway["spec"]["containers"][0]
    assert {p["name"]: p["containerPort"] for p in container["ports"]} == {
        "http": 8000, "metrics": 9000}
    assert container["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "metrics"}
    assert container["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "metrics"}
    assert container["startupProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
    service = defaults.find("Service", "gateway")
    assert {p["name"]: p["port"] for p in service["spec"]["ports"]} == {
        "http": 8000, "metrics": 9000}
    ingress = defaults.of_kind("Ingress")[0]
    gateway_ports = {
        p["backend"]["service"]["port"]["name"]
        for rule in ingress["spec"]["rules"] for p in rule["http"]["paths"]
        if p["backend"]["service"]["name"] == service["metadata"]["name"]
    }
    assert gateway_ports == {"http"}
    policy = defaults.need("NetworkPolicy", defaults.name("gateway"))
    admitted = {
        port["port"]: [peer["namespaceSelector"]["matchLabels"] for peer in rule["from"]]
        for rule in policy["spec"]["ingress"] for port in rule["ports"]
    }
    assert admitted == {8000: [{"kubernetes.io/metadata.name": "ingress-nginx"}],
                        9000: [{"kubernetes.io/metadata.name": "monitoring"}]}


def test_minimal_set_has_no_autoscaler_budget_ingress_or_policy() -> None:
    minimal = rendered("minimal")
    for kind in ("HorizontalPodAutoscaler", "PodDisruptionBudget", "Ingress", "NetworkPolicy"):
        assert minimal.of_kind(kind) == [], kind
    assert all(d["spec"]["replicas"] == 1 for d in minimal.of_kind("Deployment"))


def test_migration_secret_is_a_hook_created_before_the_jobs() -> None:
    defaults = rendered("defaults")
    hook_secrets = [s for s in defaults.of_kind("Secret") if helm_check.hook_events(s)]
    assert len(hook_secrets) == 1
    secret = hook_secrets[0]
    assert helm_check.hook_events(secret) == {"pre-install", "pre-upgrade"}
    assert all(
        helm_check.hook_weight(secret) < helm_check.hook_weight(job)
        for job in defaults.of_kind("Job")
    )
    # Same data as the Secret the running pods read.
    ordinary = [s for s in defaults.of_kind("Secret") if not helm_check.hook_events(s)]
    assert [s["data"] for s in ordinary] == [secret["data"]]


def test_third_party_secret_reaches_only_the_services_that_list_it() -> None:
    minimal = rendered("minimal")

    def env_names(component: str) -> set[str]:
        container = minimal.find("Deployment", component)["spec"]["template"]["spec"]["containers"][
            0
        ]
        return {e["name"] for e in container["env"]}

    assert {"STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET"} <= env_names("billing")
    assert "STRIPE_SECRET_KEY" not in env_names("auth")
    assert "BILLING_DATABASE_URL" not in env_names("auth")
    assert "RESEND_API_KEY" in env_names("notify")


def test_config_change_rolls_the_pods() -> None:
    def checksums(values: dict[str, Any]) -> set[str]:
        manifests = helm_check.render(CHART, values)
        return {
            m["spec"]["template"]["metadata"]["annotations"]["checksum/config"]
            for m in manifests
            if m["kind"] == "Deployment"
        }

    before = checksums(VALUE_SETS["defaults"])
    after = checksums(with_defaults(config={"logLevel": "DEBUG"}))
    assert len(before) == len(after) == 1
    assert before != after


def test_long_release_names_keep_names_short_and_distinct() -> None:
    release = "a-very-long-release-name-that-uses-all-53-characters"
    release = (release + "x" * 53)[:53]
    manifests = helm_check.render(CHART, VALUE_SETS["defaults"], release=release)
    names = [(m["kind"], m["metadata"]["name"]) for m in manifests]
    assert all(len(name) <= 63 for _, name in names)
    assert len(names) == len(set(names))
    merged = helm_check.validate_values(CHART, VALUE_SETS["defaults"])
    helm_check.check_structure(Rendered(manifests, merged, release=release))


# --- what must be rejected -------------------------------------------------------------------


def test_schema_rejects_replicas_given_as_text(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(with_defaults(gateway={"replicas": "two"}), sort_keys=False))
    values = helm_check.load_values_file(bad)
    with pytest.raises(ChartCheckError, match=r"gateway/replicas"):
        helm_check.validate_values(CHART, values)
    with pytest.raises(ChartCheckError, match="helm lint"):
        helm_check.lint(CHART, values)
    with pytest.raises(ChartCheckError, match="helm template"):
        helm_check.render(CHART, values)


@pytest.mark.parametrize(
    ("overrides", "where"),
    [
        ({"config": {"environment": "staging"}}, "environment"),
        ({"services": {"auth": {"replica": 3}}}, "replica"),
        ({"ingress": {"tls": {"enabled": True}}}, "hostname"),
        (
            {"serviceDefaults": {"resources": {"requests": {"cpu": "100m", "memory": None}}}},
            "memory",
        ),
    ],
    ids=["unknown-environment", "typo-in-key", "tls-without-host", "no-memory-request"],
)
def test_schema_rejects_bad_values(overrides: dict[str, Any], where: str) -> None:
    with pytest.raises(ChartCheckError, match=where):
        helm_check.validate_values(CHART, with_defaults(**overrides))


def test_gateway_trusts_forwarded_headers_only_from_the_ingress_controller() -> None:
    for name, expected in (("defaults", "10.244.0.0/16,fd00:10:244::/56"),
                           ("production", "10.244.0.0/16")):
        [config] = [m for m in rendered(name).of_kind("ConfigMap")
                    if "GATEWAY_HTTP_PORT" in m.get("data", {})]
        assert config["data"]["GATEWAY_FORWARDED_ALLOW_IPS"] == expected, name
    # Without an Ingress the gateway keeps its default (only 127.0.0.1, e.g. a sidecar).
    [minimal] = [m for m in rendered("minimal").of_kind("ConfigMap")
                 if "GATEWAY_HTTP_PORT" in m.get("data", {})]
    assert "GATEWAY_FORWARDED_ALLOW_IPS" not in minimal["data"]


def test_an_ingress_without_trusted_proxies_is_refused() -> None:
    values = with_defaults(gateway={**VALUE_SETS["defaults"]["gateway"], "trustedProxies": []})
    with pytest.raises(ChartCheckError, match="trustedProxies is required"):
        helm_check.render(CHART, values)
    anyone = with_defaults(gateway={**VALUE_SETS["defaults"]["gateway"],
                                    "trustedProxies": ["*"]})
    with pytest.raises(ChartCheckError, match="trustedProxies"):
        helm_check.validate_values(CHART, anyone)


def test_chart_refuses_to_render_without_credentials() -> None:
    with pytest.raises(ChartCheckError, match="internalSecret"):
        helm_check.validate_values(CHART, {})
    with pytest.raises(ChartCheckError, match="helm template"):
        helm_check.render(CHART, {})


def test_check_rejects_a_writable_root_filesystem() -> None:
    broken = fresh("defaults")
    container = broken.find("Deployment", "cv")["spec"]["template"]["spec"]["containers"][0]
    container["securityContext"]["readOnlyRootFilesystem"] = False
    with pytest.raises(ChartCheckError, match="readOnlyRootFilesystem"):
        helm_check.check_structure(broken)


def test_check_rejects_a_migration_job_reading_the_ordinary_configmap() -> None:
    broken = fresh("defaults")
    config_map = broken.of_kind("ConfigMap")[0]["metadata"]["name"]
    job = broken.of_kind("Job")[0]
    job["spec"]["template"]["spec"]["containers"][0]["envFrom"] = [
        {"configMapRef": {"name": config_map}}
    ]
    with pytest.raises(ChartCheckError, match="does not exist yet"):
        helm_check.check_migration_jobs(broken)


def test_check_rejects_grpc_open_to_other_pods() -> None:
    broken = fresh("defaults")
    policy = next(
        p for p in broken.of_kind("NetworkPolicy") if p["metadata"]["name"] == broken.name("jobs")
    )
    policy["spec"]["ingress"].append(
        {"from": [{"podSelector": {}}], "ports": [{"port": 50051, "protocol": "TCP"}]}
    )
    with pytest.raises(ChartCheckError, match="not only the gateway"):
        helm_check.check_network_policies(broken)


def test_check_rejects_gateway_metrics_open_to_the_ingress_controller() -> None:
    broken = fresh("defaults")
    policy = broken.need("NetworkPolicy", broken.name("gateway"))
    public = policy["spec"]["ingress"][0]
    public["ports"].append({"port": 9000, "protocol": "TCP"})
    with pytest.raises(ChartCheckError, match="reaches the ops port 9000"):
        helm_check.check_network_policies(broken)


def test_check_rejects_an_ingress_route_to_the_gateway_metrics_port() -> None:
    broken = fresh("defaults")
    rule = broken.of_kind("Ingress")[0]["spec"]["rules"][0]
    rule["http"]["paths"].insert(0, {
        "path": "/metrics", "pathType": "Prefix",
        "backend": {"service": {"name": broken.service_name("gateway"),
                                "port": {"name": "metrics"}}},
    })
    with pytest.raises(ChartCheckError, match="/metrics routes to the gateway's port 9000"):
        helm_check.check_ingress(broken)


def test_check_rejects_gateway_readiness_on_the_public_port() -> None:
    broken = fresh("defaults")
    container = broken.find("Deployment", "gateway")["spec"]["template"]["spec"]["containers"][0]
    container["readinessProbe"]["httpGet"]["port"] = "http"
    with pytest.raises(ChartCheckError, match="readinessProbe must probe port 9000"):
        helm_check.check_deployments(broken)


def test_check_rejects_a_missing_webhook_route() -> None:
    broken = fresh("defaults")
    rule = broken.of_kind("Ingress")[0]["spec"]["rules"][0]
    rule["http"]["paths"] = [p for p in rule["http"]["paths"] if p["path"] != "/webhooks/social"]
    with pytest.raises(ChartCheckError, match="/webhooks/social"):
        helm_check.check_ingress(broken)


def test_check_rejects_an_invalid_kubernetes_field() -> None:
    deployment = copy.deepcopy(rendered("defaults").find("Deployment", "gateway"))
    deployment["spec"]["template"]["spec"]["containers"][0]["livenessProbe"]["httpGet"]["paht"] = (
        "/healthz"
    )
    with pytest.raises(ChartCheckError, match="paht"):
        helm_check.validate_manifests([deployment])


# --- the Dockerfile --------------------------------------------------------------------------


def test_dockerfile_copies_existing_paths_and_runs_as_the_charts_user() -> None:
    deployment = rendered("defaults").find("Deployment", "auth")
    run_as_user = deployment["spec"]["template"]["spec"]["securityContext"]["runAsUser"]
    helm_check.check_dockerfile(ROOT, run_as_user)


def test_dockerfile_with_another_user_is_rejected() -> None:
    text = (ROOT / "Dockerfile").read_text().replace("USER 10001:10001", "USER 1000")
    with pytest.raises(ChartCheckError, match="USER 10001"):
        helm_check.check_dockerfile(ROOT, 10001, dockerfile_text=text)


def test_dockerfile_copying_a_missing_path_is_rejected() -> None:
    text = (ROOT / "Dockerfile").read_text().replace("COPY kit/ kit/", "COPY libs/ libs/")
    with pytest.raises(ChartCheckError, match="libs/"):
        helm_check.check_dockerfile(ROOT, 10001, dockerfile_text=text)


# --- the command -----------------------------------------------------------------------------


def test_command_prints_one_summary_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert helm_check.main([]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1
    assert out[0].startswith("helm_check: OK")


def test_command_fails_with_the_value_set_and_problem(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "broken.yaml").write_text(
        yaml.safe_dump(with_defaults(serviceDefaults={"replicas": "two"}))
    )
    assert helm_check.main(["--values-dir", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "FAILED [broken]" in err
    assert "replicas" in err


# --- the chart and the service registry ------------------------------------------------------


def test_values_and_schema_name_the_registrys_services(set_name: str) -> None:
    helm_check.check_registry_values(rendered(set_name).values)
    helm_check.check_schema_names_registry(CHART)


def test_check_rejects_values_without_one_of_the_registrys_services() -> None:
    broken = fresh("defaults")
    del broken.values["services"]["blog"]
    with pytest.raises(ChartCheckError, match=r"values' services .* missing \['blog'\]"):
        helm_check.check_structure(broken)


def test_check_rejects_a_service_the_registry_does_not_know() -> None:
    broken = fresh("defaults")
    broken.values["services"]["search"] = {}
    with pytest.raises(ChartCheckError, match=r"not in the registry \['search'\]"):
        helm_check.check_structure(broken)


def test_check_rejects_a_database_url_key_the_registry_does_not_know() -> None:
    broken = fresh("defaults")
    broken.values["externalDatabase"]["urls"]["search"] = "postgresql+asyncpg://x@db/search"
    with pytest.raises(ChartCheckError, match=r"externalDatabase.urls .* \['search'\]"):
        helm_check.check_structure(broken)


def test_check_rejects_webhook_paths_on_a_service_that_receives_none() -> None:
    broken = fresh("defaults")
    broken.values["services"]["cv"]["webhookPaths"] = ["/webhooks/cv"]
    with pytest.raises(ChartCheckError, match=r"webhookPaths .* not in the registry \['cv'\]"):
        helm_check.check_structure(broken)


def test_a_service_added_only_to_the_registry_fails_the_check(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(helm_check, "SERVICES", (*helm_check.SERVICES, "search"))
    with pytest.raises(ChartCheckError, match=r"missing \['search'\]"):
        helm_check.check_registry_values(rendered("defaults").values)
    with pytest.raises(ChartCheckError, match=r"values.schema.json requires .* \['search'\]"):
        helm_check.check_schema_names_registry(CHART)


def test_check_rejects_a_schema_requiring_other_services(tmp_path: Path) -> None:
    chart = tmp_path / "chart"
    shutil.copytree(CHART, chart)
    schema_path = chart / "values.schema.json"
    schema = json.loads(schema_path.read_text())
    schema["properties"]["services"]["required"].remove("blog")
    schema_path.write_text(json.dumps(schema))
    with pytest.raises(ChartCheckError, match=r"services values.schema.json .* \['blog'\]"):
        helm_check.check_schema_names_registry(chart)
