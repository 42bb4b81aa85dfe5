"""Offline checks of the Kubernetes manifests in deploy/k8s.

Every kustomization (base and each overlay) is rendered with `kubectl kustomize`;
every built-in object is validated against the Kubernetes OpenAPI schemas shipped
by `kubernetes-validate` (strict: unknown fields are errors) for a fixed
Kubernetes version; KEDA ScaledObjects are validated against
deploy/k8s/schemas/keda-scaledobject.schema.json. The remaining tests assert the
structural facts the deployment relies on (probes, resources, autoscaling of
each JetStream consumer, PDBs, migration Jobs, network policies, secrets).
"""

from __future__ import annotations

import functools
import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import pytest
import yaml
from ra_contracts.catalog import SERVICES as CATALOG

from .test_compose import HTTP_PORTS, SERVICES  # the services and their ports, listed once

REPO = Path(__file__).resolve().parents[2]
K8S = REPO / "deploy" / "k8s"
KEDA_SCHEMA = K8S / "schemas" / "keda-scaledobject.schema.json"

# The Kubernetes version the manifests are validated against (oldest supported).
KUBERNETES_VERSION = "1.32.0"

KUSTOMIZATIONS = ["base", "overlays/dev", "overlays/prod"]
OVERLAYS = ["overlays/dev", "overlays/prod"]
NAMESPACES = {"overlays/dev": "ra-dev", "overlays/prod": "ra"}


# Durable pull consumers that KEDA must scale on: every consumer of every worker, from the catalogue.
KEDA_CONSUMERS = {
    f"ra-{name}": {(c.stream, c.durable) for c in CATALOG[name].consumers}
    for name in ("sourcing", "enrichment", "validation", "warmup", "outreach")
}

# Secret keys each service's containers read from ra-secrets.
SECRET_KEYS = {
    "sourcing": {"DATABASE_URL", "RA_SECRET_KEY"},
    "enrichment": {"DATABASE_URL", "RA_SECRET_KEY"},
    "validation": {"DATABASE_URL", "RA_SECRET_KEY"},
    "warmup": {"DATABASE_URL", "RA_SECRET_KEY"},
    "outreach": {"DATABASE_URL", "RA_SECRET_KEY"},
    "gateway": {"DATABASE_URL", "RA_SECRET_KEY", "RA_JWT_SECRET", "RA_ADMIN_EMAIL", "RA_ADMIN_PASSWORD"},
}


# --------------------------------------------------------------------------- helpers


@functools.cache
def _render_text(kustomization: str) -> str:
    if shutil.which("kubectl") is None:
        pytest.skip("kubectl is not installed: cannot render the kustomizations (needs `kubectl kustomize`)")
    result = subprocess.run(
        ["kubectl", "kustomize", str(K8S / kustomization)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, f"kubectl kustomize {kustomization} failed:\n{result.stderr}"
    return result.stdout


def render(kustomization: str) -> list[dict[str, Any]]:
    """The rendered objects (a fresh copy each call, so tests may not leak changes)."""
    return [doc for doc in yaml.safe_load_all(_render_text(kustomization)) if doc]


def of_kind(objs: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [o for o in objs if o["kind"] == kind]


def by_name(objs: list[dict[str, Any]], kind: str) -> dict[str, dict[str, Any]]:
    return {o["metadata"]["name"]: o for o in of_kind(objs, kind)}


def is_keda(obj: dict[str, Any]) -> bool:
    return obj["apiVersion"].split("/")[0] == "keda.sh"


def selector_matches(match_labels: dict[str, str], labels: dict[str, str]) -> bool:
    return bool(match_labels) and all(labels.get(k) == v for k, v in match_labels.items())


def pod_specs(objs: list[dict[str, Any]]) -> list[tuple[str, dict[str, Any]]]:
    """(object name, pod template) for every Deployment and Job."""
    return [(o["metadata"]["name"], o["spec"]["template"]) for o in objs if o["kind"] in ("Deployment", "Job")]


@functools.cache
def keda_validator() -> jsonschema.Draft202012Validator:
    schema = json.loads(KEDA_SCHEMA.read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)


def quantity(q: str | int | float) -> float:
    """A Kubernetes CPU or memory quantity as a float (cores / bytes)."""
    s = str(q)
    units = {"m": 1e-3, "Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "k": 1e3, "M": 1e6, "G": 1e9}
    m = re.fullmatch(r"([0-9.]+)([A-Za-z]*)", s)
    assert m, f"bad quantity {q!r}"
    return float(m.group(1)) * units.get(m.group(2), 1) if m.group(2) else float(m.group(1))


# --------------------------------------------------------------------------- schema validation


@pytest.mark.parametrize("kustomization", KUSTOMIZATIONS)
def test_renders(kustomization: str) -> None:
    objs = render(kustomization)
    kinds = {o["kind"] for o in objs}
    assert {"Deployment", "Service", "PodDisruptionBudget", "Job", "NetworkPolicy", "ConfigMap"} <= kinds
    assert {"ScaledObject", "HorizontalPodAutoscaler"} <= kinds
    keys = [(o["kind"], o["metadata"]["name"]) for o in objs]
    assert len(keys) == len(set(keys)), "duplicate objects in render"


@pytest.mark.parametrize("kustomization", KUSTOMIZATIONS)
def test_builtin_objects_are_valid_kubernetes(kustomization: str) -> None:
    errors = []
    for obj in render(kustomization):
        if is_keda(obj):
            continue
        name = f"{obj['kind']}/{obj['metadata']['name']}"
        try:
            kubernetes_validate.validate(obj, KUBERNETES_VERSION, strict=True)
        except kubernetes_validate.ValidationError as exc:
            path = "/".join(str(p) for p in exc.path)
            errors.append(f"{name}: at /{path}: {exc.message}")
        except kubernetes_validate.SchemaNotFoundError:
            errors.append(f"{name}: no Kubernetes {KUBERNETES_VERSION} schema for {obj['apiVersion']}")
    assert not errors, "\n".join(errors)


@pytest.mark.parametrize("kustomization", KUSTOMIZATIONS)
def test_scaledobjects_match_keda_schema(kustomization: str) -> None:
    scaled = of_kind(render(kustomization), "ScaledObject")
    assert scaled
    errors = []
    for obj in scaled:
        for err in keda_validator().iter_errors(obj):
            errors.append(f"ScaledObject/{obj['metadata']['name']} at {err.json_path}: {err.message}")
        spec = obj["spec"]
        if spec.get("minReplicaCount", 0) > spec.get("maxReplicaCount", 100):
            errors.append(f"ScaledObject/{obj['metadata']['name']}: minReplicaCount > maxReplicaCount")
    assert not errors, "\n".join(errors)


def _good_scaledobject() -> dict[str, Any]:
    return {
        "apiVersion": "keda.sh/v1alpha1",
        "kind": "ScaledObject",
        "metadata": {"name": "x"},
        "spec": {
            "scaleTargetRef": {"name": "x"},
            "triggers": [
                {
                    "type": "nats-jetstream",
                    "metadata": {
                        "natsServerMonitoringEndpoint": "nats.nats.svc:8222",
                        "account": "$G",
                        "stream": "S",
                        "consumer": "c",
                        "lagThreshold": "10",
                    },
                }
            ],
        },
    }


@pytest.mark.parametrize(
    ("mutate", "why"),
    [
        (lambda o: o["spec"].pop("scaleTargetRef"), "scaleTargetRef is required"),
        (lambda o: o["spec"].pop("triggers"), "triggers are required"),
        (lambda o: o["spec"].update(triggers=[]), "at least one trigger"),
        (lambda o: o["spec"].update(minReplicaCount="2"), "replica counts are integers"),
        (lambda o: o["spec"].update(maxReplicaCount=0), "maxReplicaCount >= 1"),
        (lambda o: o["spec"].update(pollingIntervall=5), "unknown spec field (typo)"),
        (lambda o: o["spec"]["triggers"][0]["metadata"].pop("consumer"), "consumer is required"),
        (lambda o: o["spec"]["triggers"][0]["metadata"].pop("stream"), "stream is required"),
        (lambda o: o["spec"]["triggers"][0]["metadata"].update(lagThreshold=10), "metadata values are strings"),
        (lambda o: o["spec"]["triggers"][0]["metadata"].update(lagThreshold="0"), "lagThreshold is positive"),
        (lambda o: o["spec"]["triggers"][0]["metadata"].update(useHttps="yes"), "useHttps is true|false"),
        (lambda o: o["spec"]["triggers"][0]["metadata"].update(lag="1"), "unknown metadata key"),
        (
            lambda o: o["spec"]["triggers"][0]["metadata"].update(natsServerMonitoringEndpoint="http://nats:8222"),
            "endpoint has no scheme",
        ),
        (lambda o: o["spec"]["triggers"][0]["metadata"].update(stream="A.B"), "stream names have no dots"),
        (lambda o: o.update(apiVersion="keda.sh/v1"), "apiVersion"),
    ],
)
def test_keda_schema_rejects_bad_objects(mutate: Any, why: str) -> None:
    good = _good_scaledobject()
    assert not list(keda_validator().iter_errors(good))
    mutate(good)
    assert list(keda_validator().iter_errors(good)), f"schema accepted an object it must reject: {why}"


# --------------------------------------------------------------------------- workloads


@pytest.mark.parametrize("kustomization", KUSTOMIZATIONS)
def test_one_deployment_service_pdb_and_migration_job_per_service(kustomization: str) -> None:
    objs = render(kustomization)
    deployments = by_name(objs, "Deployment")
    services = by_name(objs, "Service")
    jobs = by_name(objs, "Job")
    assert set(deployments) == {f"ra-{s}" for s in SERVICES}
    assert set(services) == {f"ra-{s}" for s in SERVICES}
    assert set(jobs) == {f"ra-{s}-migrate" for s in SERVICES}


@pytest.mark.parametrize("kustomization", KUSTOMIZATIONS)
def test_deployments_have_probes_resources_and_security(kustomization: str) -> None:
    for dep in of_kind(render(kustomization), "Deployment"):
        name = dep["metadata"]["name"]
        svc = name.removeprefix("ra-")
        pod = dep["spec"]["template"]["spec"]
        assert pod.get("securityContext", {}).get("runAsNonRoot") is True, name
        assert pod["securityContext"].get("runAsUser", 0) != 0, name
        assert pod.get("automountServiceAccountToken") is False, name
        for c in pod["containers"]:
            ports = {p["name"]: p["containerPort"] for p in c.get("ports", [])}
            assert ports.get("http") == HTTP_PORTS[svc], f"{name}: http port"
            for probe_name, path in (("livenessProbe", "/healthz"), ("readinessProbe", "/readyz")):
                probe = c.get(probe_name)
                assert probe, f"{name}/{c['name']}: no {probe_name}"
                assert probe["httpGet"]["path"] == path, f"{name}: {probe_name} path"
                assert probe["httpGet"]["port"] in ("http", HTTP_PORTS[svc]), f"{name}: {probe_name} port"
            res = c.get("resources", {})
            for section in ("requests", "limits"):
                for key in ("cpu", "memory"):
                    assert key in res.get(section, {}), f"{name}/{c['name']}: resources.{section}.{key}"
                assert quantity(res["requests"][key]) <= quantity(res["limits"][key]), f"{name}: {key} request>limit"
            sc = c.get("securityContext", {})
            assert sc.get("allowPrivilegeEscalation") is False, name
            assert sc.get("readOnlyRootFilesystem") is True, name
            assert sc.get("capabilities", {}).get("drop") == ["ALL"], name
            # HTTP_PORT must agree with the probed port.
            env = {e["name"]: e for e in c.get("env", [])}
            assert env["HTTP_PORT"]["value"] == str(HTTP_PORTS[svc]), name


@pytest.mark.parametrize("kustomization", KUSTOMIZATIONS)
def test_autoscaled_deployments_leave_replicas_to_the_autoscaler(kustomization: str) -> None:
    for dep in of_kind(render(kustomization), "Deployment"):
        assert "replicas" not in dep["spec"], f"{dep['metadata']['name']}: replicas is owned by KEDA/HPA"


@pytest.mark.parametrize("kustomization", KUSTOMIZATIONS)
def test_every_deployment_has_a_matching_pdb(kustomization: str) -> None:
    objs = render(kustomization)
    pdbs = of_kind(objs, "PodDisruptionBudget")
    for dep in of_kind(objs, "Deployment"):
        labels = dep["spec"]["template"]["metadata"]["labels"]
        matching = [p for p in pdbs if selector_matches(p["spec"]["selector"]["matchLabels"], labels)]
        assert len(matching) == 1, f"{dep['metadata']['name']}: {len(matching)} PDBs select its pods"
        spec = matching[0]["spec"]
        assert ("maxUnavailable" in spec) != ("minAvailable" in spec)


@pytest.mark.parametrize("kustomization", KUSTOMIZATIONS)
def test_services_select_their_deployment(kustomization: str) -> None:
    objs = render(kustomization)
    deployments = by_name(objs, "Deployment")
    for svc in of_kind(objs, "Service"):
        dep = deployments[svc["metadata"]["name"]]
        assert selector_matches(svc["spec"]["selector"], dep["spec"]["template"]["metadata"]["labels"])
        port_names = {p["name"] for c in dep["spec"]["template"]["spec"]["containers"] for p in c["ports"]}
        for port in svc["spec"]["ports"]:
            assert port["targetPort"] in port_names


@pytest.mark.parametrize("kustomization", KUSTOMIZATIONS)
def test_deployment_selectors_match_only_their_own_pods(kustomization: str) -> None:
    objs = render(kustomization)
    deployments = of_kind(objs, "Deployment")
    for dep in deployments:
        sel = dep["spec"]["selector"]["matchLabels"]
        assert selector_matches(sel, dep["spec"]["template"]["metadata"]["labels"])
        for name, template in pod_specs(objs):
            if name != dep["metadata"]["name"]:
                assert not selector_matches(sel, template["metadata"]["labels"]), (
                    f"selector of {dep['metadata']['name']} also matches pods of {name}"
                )


@pytest.mark.parametrize("kustomization", KUSTOMIZATIONS)
def test_migration_jobs(kustomization: str) -> None:
    objs = render(kustomization)
    deployments = by_name(objs, "Deployment")
    jobs = by_name(objs, "Job")
    for svc in SERVICES:
        job = jobs[f"ra-{svc}-migrate"]
        pod = job["spec"]["template"]["spec"]
        assert pod["restartPolicy"] in ("Never", "OnFailure")
        assert pod["securityContext"]["runAsNonRoot"] is True
        (container,) = pod["containers"]
        assert container["command"] == ["python", "-m", f"ra_{svc}", "migrate"]
        dep_container = deployments[f"ra-{svc}"]["spec"]["template"]["spec"]["containers"][0]
        assert container["image"] == dep_container["image"], "migration must run the service's own image"
        assert container["envFrom"] == dep_container["envFrom"]
        assert {e["name"] for e in container["env"] if "valueFrom" in e} == {
            e["name"] for e in dep_container["env"] if "valueFrom" in e
        }, f"ra-{svc}-migrate must get the same secrets as the service"
        assert job["spec"]["backoffLimit"] >= 1
        assert job["spec"].get("activeDeadlineSeconds", 0) > 0


# --------------------------------------------------------------------------- config & secrets


def _secret_refs(objs: list[dict[str, Any]]) -> dict[str, set[tuple[str, str]]]:
    """workload name -> {(secret name, key)} referenced by its containers."""
    refs: dict[str, set[tuple[str, str]]] = {}
    for name, template in pod_specs(objs):
        for c in template["spec"]["containers"]:
            for e in c.get("env", []):
                ref = e.get("valueFrom", {}).get("secretKeyRef")
                if ref:
                    refs.setdefault(name, set()).add((ref["name"], ref["key"]))
            assert not any("secretRef" in ef for ef in c.get("envFrom", [])), f"{name}: use explicit secretKeyRefs"
    return refs


@pytest.mark.parametrize("kustomization", KUSTOMIZATIONS)
def test_env_comes_from_ra_config_and_ra_secrets(kustomization: str) -> None:
    objs = render(kustomization)
    configmaps = by_name(objs, "ConfigMap")
    (config_name,) = [n for n in configmaps if n.startswith("ra-config")]
    config = configmaps[config_name]["data"]
    assert {"NATS_URL", "LOG_LEVEL", "RA_ENV", "NATS_MONITORING_ENDPOINT"} <= set(config)
    assert config["NATS_URL"].startswith("nats://")
    assert "DATABASE_URL" not in config, "DATABASE_URL carries a password: it belongs in ra-secrets"
    refs = _secret_refs(objs)
    for name, template in pod_specs(objs):
        for c in template["spec"]["containers"]:
            assert {"configMapRef": {"name": config_name}} in c["envFrom"], name
        svc = name.removeprefix("ra-").removesuffix("-migrate")
        secret_names = {s for s, _ in refs[name]}
        assert len(secret_names) == 1 and next(iter(secret_names)).startswith("ra-secrets"), name
        assert {k for _, k in refs[name]} == SECRET_KEYS[svc], f"{name}: secret keys"


def test_dev_overlay_generates_ra_secrets_with_every_referenced_key() -> None:
    objs = render("overlays/dev")
    secrets = by_name(objs, "Secret")
    (secret_name,) = [n for n in secrets if n.startswith("ra-secrets")]
    data = secrets[secret_name]["data"]
    for workload, refs in _secret_refs(objs).items():
        for name, key in refs:
            assert name == secret_name, f"{workload} references {name}, not the generated {secret_name}"
            assert key in data, f"{workload}: key {key} missing from dev ra-secrets"


def test_prod_overlay_expects_ra_secrets_out_of_band() -> None:
    objs = render("overlays/prod")
    assert not of_kind(objs, "Secret"), "prod must not ship secrets: ra-secrets is created out-of-band"
    refs = _secret_refs(objs)
    assert {name for r in refs.values() for name, _ in r} == {"ra-secrets"}
    # Every key the prod workloads need is documented for operators.
    keys = {key for r in refs.values() for _, key in r}
    docs = (REPO / "docs" / "deploy.md").read_text()
    kustomization = (K8S / "overlays" / "prod" / "kustomization.yaml").read_text()
    for key in keys:
        assert key in docs, f"docs/deploy.md does not document ra-secrets key {key}"
        assert key in kustomization, f"prod kustomization comment does not list ra-secrets key {key}"


@pytest.mark.parametrize(("overlay", "env"), [("overlays/dev", "development"), ("overlays/prod", "production")])
def test_overlay_ra_env(overlay: str, env: str) -> None:
    (config,) = [c for c in of_kind(render(overlay), "ConfigMap") if c["metadata"]["name"].startswith("ra-config")]
    assert config["data"]["RA_ENV"] == env


# --------------------------------------------------------------------------- autoscaling


@pytest.mark.parametrize("kustomization", KUSTOMIZATIONS)
def test_every_consumer_has_a_keda_trigger(kustomization: str) -> None:
    objs = render(kustomization)
    deployments = by_name(objs, "Deployment")
    config = next(c for c in of_kind(objs, "ConfigMap") if c["metadata"]["name"].startswith("ra-config"))["data"]
    found: dict[str, set[tuple[str, str]]] = {}
    for so in of_kind(objs, "ScaledObject"):
        target = so["spec"]["scaleTargetRef"]
        assert target.get("kind", "Deployment") == "Deployment"
        assert target.get("apiVersion", "apps/v1") == "apps/v1"
        assert target["name"] in deployments, f"{so['metadata']['name']} targets a missing Deployment"
        pairs = found.setdefault(target["name"], set())
        for trig in so["spec"]["triggers"]:
            assert trig["type"] == "nats-jetstream"
            md = trig["metadata"]
            pair = (md["stream"], md["consumer"])
            assert pair not in pairs, f"duplicate trigger {pair}"
            pairs.add(pair)
            # The endpoint/account come from ra-config (kustomize replacements), never a placeholder.
            assert md["natsServerMonitoringEndpoint"] == config["NATS_MONITORING_ENDPOINT"]
            assert md["account"] == config["NATS_ACCOUNT"]
    assert found == KEDA_CONSUMERS


@pytest.mark.parametrize("kustomization", KUSTOMIZATIONS)
def test_gateway_scales_on_cpu_with_an_hpa(kustomization: str) -> None:
    objs = render(kustomization)
    hpas = of_kind(objs, "HorizontalPodAutoscaler")
    assert [h["spec"]["scaleTargetRef"]["name"] for h in hpas] == ["ra-gateway"]
    (hpa,) = hpas
    assert hpa["spec"]["scaleTargetRef"]["kind"] == "Deployment"
    assert hpa["spec"]["minReplicas"] <= hpa["spec"]["maxReplicas"]
    metrics = hpa["spec"]["metrics"]
    assert any(m["type"] == "Resource" and m["resource"]["name"] == "cpu" for m in metrics)
    # Each Deployment has exactly one autoscaler (KEDA creates its own HPA).
    keda_targets = [so["spec"]["scaleTargetRef"]["name"] for so in of_kind(objs, "ScaledObject")]
    assert "ra-gateway" not in keda_targets
    assert sorted([*keda_targets, "ra-gateway"]) == sorted(by_name(objs, "Deployment"))


def test_prod_scales_higher_than_dev() -> None:
    dev, prod = render("overlays/dev"), render("overlays/prod")
    for so in of_kind(prod, "ScaledObject"):
        assert so["spec"]["minReplicaCount"] >= 2, f"prod {so['metadata']['name']}: minReplicaCount < 2"
    (prod_hpa,) = of_kind(prod, "HorizontalPodAutoscaler")
    assert prod_hpa["spec"]["minReplicas"] >= 2
    dev_so, prod_so = by_name(dev, "ScaledObject"), by_name(prod, "ScaledObject")
    for name, so in prod_so.items():
        assert so["spec"]["maxReplicaCount"] > dev_so[name]["spec"]["maxReplicaCount"]
    dev_dep, prod_dep = by_name(dev, "Deployment"), by_name(prod, "Deployment")
    for name, dep in prod_dep.items():
        prod_res = dep["spec"]["template"]["spec"]["containers"][0]["resources"]
        dev_res = dev_dep[name]["spec"]["template"]["spec"]["containers"][0]["resources"]
        for section in ("requests", "limits"):
            for key in ("cpu", "memory"):
                assert quantity(prod_res[section][key]) >= quantity(dev_res[section][key]), (name, section, key)
        assert quantity(prod_res["requests"]["cpu"]) > quantity(dev_res["requests"]["cpu"]), name


# --------------------------------------------------------------------------- network policies


def _policies_selecting(objs: list[dict[str, Any]], labels: dict[str, str], policy_type: str) -> list[dict]:
    out = []
    for np in of_kind(objs, "NetworkPolicy"):
        sel = np["spec"]["podSelector"]
        if policy_type not in np["spec"].get("policyTypes", []):
            continue
        ok = all(labels.get(k) == v for k, v in sel.get("matchLabels", {}).items())
        for expr in sel.get("matchExpressions", []):
            assert expr["operator"] == "In"
            ok = ok and labels.get(expr["key"]) in expr["values"]
        if ok:
            out.append(np)
    return out


def _allowed_ports(policies: list[dict], direction: str) -> set[tuple[str, int]]:
    return {
        (p.get("protocol", "TCP"), p["port"])
        for np in policies
        for rule in np["spec"].get(direction, [])
        for p in rule.get("ports", [])
    }


@pytest.mark.parametrize("kustomization", KUSTOMIZATIONS)
def test_network_policies(kustomization: str) -> None:
    objs = render(kustomization)
    policies = of_kind(objs, "NetworkPolicy")
    default_deny = [np for np in policies if np["spec"]["podSelector"] == {} and not np["spec"].get("ingress")]
    assert default_deny, "no default-deny policy"
    assert {"Ingress", "Egress"} <= set(default_deny[0]["spec"]["policyTypes"])
    assert not default_deny[0]["spec"].get("egress")

    for name, template in pod_specs(objs):
        labels = template["metadata"]["labels"]
        ingress = _policies_selecting(objs, labels, "Ingress")
        egress = _allowed_ports(_policies_selecting(objs, labels, "Egress"), "egress")
        # Only DNS, NATS and Postgres out; sourcing also reaches job boards over HTTPS.
        wanted = {("UDP", 53), ("TCP", 53), ("TCP", 4222), ("TCP", 5432)}
        if name == "ra-sourcing":
            wanted.add(("TCP", 443))
        if name == "ra-validation":
            wanted |= {("TCP", 25), ("TCP", 443)}
        if name in ("ra-warmup", "ra-outreach"):
            # The mailboxes' SMTP (25, 465, 587, 2525) and IMAP (143, 993) servers.
            wanted |= {("TCP", port) for port in (25, 465, 587, 2525, 143, 993)}
        assert egress == wanted, f"{name}: egress {egress}"
        allowed_in = _allowed_ports(ingress, "ingress")
        if name == "ra-gateway":
            open_rules = [r for np in ingress for r in np["spec"].get("ingress", []) if not r.get("from")]
            assert {("TCP", 8000)} == {(p["protocol"], p["port"]) for r in open_rules for p in r["ports"]}
        elif name in ("ra-sourcing", "ra-enrichment", "ra-validation", "ra-warmup", "ra-outreach"):
            # Metrics scraping, restricted to a source (no open rule).
            assert allowed_in == {("TCP", 8080)}, f"{name}: ingress {allowed_in}"
            assert all(r.get("from") for np in ingress for r in np["spec"].get("ingress", [])), name
        else:  # migration jobs accept nothing
            assert allowed_in == set(), f"{name}: ingress {allowed_in}"


# --------------------------------------------------------------------------- overlays


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_overlay_namespace_images_and_pod_security(overlay: str) -> None:
    objs = render(overlay)
    ns = NAMESPACES[overlay]
    (namespace,) = of_kind(objs, "Namespace")
    assert namespace["metadata"]["name"] == ns
    assert namespace["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"
    for obj in objs:
        if obj["kind"] != "Namespace":
            assert obj["metadata"].get("namespace") == ns, f"{obj['kind']}/{obj['metadata']['name']}"
    for name, template in pod_specs(objs):
        for c in template["spec"]["containers"]:
            image = c["image"]
            repo, _, tag = image.rpartition(":")
            assert repo and tag and tag != "latest", f"{name}: image {image} must carry a pinned tag"
            assert repo.rsplit("/", 1)[-1] in {f"ra-{s}" for s in SERVICES}, image


def test_base_images_are_untagged_names() -> None:
    for name, template in pod_specs(render("base")):
        for c in template["spec"]["containers"]:
            assert c["image"] in {f"ra-{s}" for s in SERVICES}, f"{name}: overlays set the tag via images:"
