"""deploy/kubernetes: rendered by kustomize, checked against the Kubernetes
OpenAPI schema, and held to what the README promises and dev8-init does."""

import copy

import pytest

from conftest import plan, validate_kubernetes
from manifests import env_of, find, render, workspace_container

OVERLAYS = ["workspace", "hardened", "developers/alice"]
SECRET_KEYS = {"github-token", "ssh-public-key", "anthropic-api-key", "openai-api-key"}


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    return {o: render(o, tmp_path_factory.mktemp(o.replace("/", "-"))) for o in OVERLAYS}


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_renders_and_matches_the_kubernetes_schema(rendered, overlay):
    objects = rendered[overlay]
    assert {o["kind"] for o in objects} >= {"StatefulSet", "Service"}
    assert validate_kubernetes(objects) == []


def test_the_schema_check_finds_type_unknown_field_and_missing_field_errors(rendered):
    objects = copy.deepcopy(rendered["workspace"])
    statefulset = find(objects, "StatefulSet")
    statefulset["spec"]["replicas"] = "1"
    container = workspace_container(statefulset)
    container["readinessProbe"]["exce"] = container["readinessProbe"].pop("exec")
    container["resources"]["limits"]["memory"] = "8 GB"
    del container["volumeMounts"][0]["mountPath"]
    findings = "\n".join(validate_kubernetes(objects))
    assert "/spec/replicas must be integer" in findings
    assert 'unknown field "exce" in V1Probe' in findings
    assert "/resources/limits/memory must match format \"quantity\"" in findings
    assert "must have required property mountPath" in findings


def test_a_statefulset_of_one_pod_keeps_home_and_workspace_on_claims(rendered):
    statefulset = find(rendered["workspace"], "StatefulSet", "workspace")
    spec = statefulset["spec"]
    assert spec["replicas"] == 1
    assert spec["persistentVolumeClaimRetentionPolicy"] == {"whenDeleted": "Retain", "whenScaled": "Retain"}
    claims = {c["metadata"]["name"]: c["spec"] for c in spec["volumeClaimTemplates"]}
    assert set(claims) == {"home", "workspace"}
    assert all(c["accessModes"] == ["ReadWriteOnce"] for c in claims.values())
    mounts = {m["mountPath"]: m for m in workspace_container(statefulset)["volumeMounts"]}
    # The home is a folder of its claim made by dev8 (0755), never the claim's
    # root, which fsGroup leaves group-writable and sshd would refuse.
    assert mounts["/home/dev8"]["name"] == "home" and mounts["/home/dev8"]["subPath"] == "dev8"
    assert mounts["/workspace"]["name"] == "workspace"
    pod = spec["template"]["spec"]
    assert pod["securityContext"]["fsGroup"] == 1000
    assert pod["securityContext"]["fsGroupChangePolicy"] == "OnRootMismatch"
    (init,) = pod["initContainers"]
    assert init["image"] == workspace_container(statefulset)["image"]
    assert init["securityContext"]["runAsUser"] == 1000
    assert "mkdir -m 0755 /mnt/home/dev8" in init["command"][-1]
    assert init["volumeMounts"] == [{"name": "home", "mountPath": "/mnt/home"}]


def test_the_service_reaches_ssh_and_code_server_of_this_pod(rendered):
    objects = rendered["workspace"]
    statefulset, service = find(objects, "StatefulSet"), find(objects, "Service")
    assert statefulset["spec"]["serviceName"] == service["metadata"]["name"]
    labels = statefulset["spec"]["template"]["metadata"]["labels"]
    assert service["spec"]["selector"].items() <= labels.items()
    assert statefulset["spec"]["selector"]["matchLabels"].items() <= labels.items()
    container_ports = {p["name"]: p["containerPort"] for p in workspace_container(statefulset)["ports"]}
    assert container_ports == {"ssh": 2222, "code-server": 8080}
    assert {(p["port"], container_ports[p["targetPort"]]) for p in service["spec"]["ports"]} == {
        (2222, 2222), (8080, 8080)}


def test_secrets_are_files_of_one_secret_read_through_name_file(rendered):
    statefulset = find(rendered["workspace"], "StatefulSet")
    container = workspace_container(statefulset)
    env = env_of(container)
    for secret in ("GITHUB_TOKEN", "SSH_PUBLIC_KEY", "ANTHROPIC_API_KEY", "OPENAI_API_KEY",
                   "PASSWORD", "HASHED_PASSWORD", "SSH_PRIVATE_KEY", "GH_TOKEN"):
        assert secret not in env, f"{secret} as a plain variable"
    assert all("valueFrom" not in e for e in container["env"])
    (mount,) = [m for m in container["volumeMounts"] if m["name"] == "secrets"]
    assert mount["readOnly"] is True
    files = {name: value for name, value in env.items() if name.endswith("_FILE")}
    assert {v.rsplit("/", 1)[0] for v in files.values()} == {mount["mountPath"]}
    assert {v.rsplit("/", 1)[1] for v in files.values()} == SECRET_KEYS
    (volume,) = [v for v in statefulset["spec"]["template"]["spec"]["volumes"] if v["name"] == "secrets"]
    # Not `optional`: a missing key would be a missing file, which dev8-init
    # refuses (exit 78); every key exists, empty when unused.
    assert volume["secret"]["secretName"] == "dev8-secrets"
    assert "optional" not in volume["secret"] and "items" not in volume["secret"]
    assert volume["secret"]["defaultMode"] == 0o400


def test_probes_are_dev8_init_health_and_the_grace_period_outlasts_the_stop_timeout(rendered):
    statefulset = find(rendered["workspace"], "StatefulSet")
    container = workspace_container(statefulset)
    assert container["readinessProbe"]["exec"]["command"] == ["/usr/local/bin/dev8-init", "health"]
    assert container["livenessProbe"]["exec"]["command"] == ["/usr/local/bin/dev8-init", "health", "--live"]
    stop_timeout = float(env_of(container)["DEV8_STOP_TIMEOUT"])
    grace = statefulset["spec"]["template"]["spec"]["terminationGracePeriodSeconds"]
    # dev8-init's own SIGKILL of what is left, then its exit, before the kubelet's.
    assert grace >= stop_timeout + 5
    assert "command" not in container and "args" not in container
    resources = container["resources"]
    assert {"cpu", "memory"} <= set(resources["requests"]) and "memory" in resources["limits"]


def test_the_pod_gets_no_cluster_credentials_or_service_variables(rendered):
    pod = find(rendered["workspace"], "StatefulSet")["spec"]["template"]["spec"]
    assert pod["automountServiceAccountToken"] is False
    assert pod["enableServiceLinks"] is False


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_dev8_init_accepts_the_environment_of_every_overlay(rendered, overlay, tmp_path):
    objects = rendered[overlay]
    container = workspace_container(find(objects, "StatefulSet"))
    env = env_of(container)
    for source in container.get("envFrom", []):
        config_map = find(objects, "ConfigMap", source["configMapRef"]["name"])
        env.update(config_map["data"])
    code, output = plan(env, tmp_path)
    assert code == 0, output
    assert "not a dev8-init variable" not in output
    assert "stop timeout: 20.0 s" in output


def test_the_hardened_variant_runs_nothing_as_root(rendered):
    statefulset = find(rendered["hardened"], "StatefulSet")
    pod = statefulset["spec"]["template"]["spec"]
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["runAsUser"] == 1000
    assert pod["securityContext"]["runAsGroup"] == 1000
    assert pod["securityContext"]["fsGroup"] == 1000
    container = workspace_container(statefulset)
    security = container["securityContext"]
    assert security["readOnlyRootFilesystem"] is True
    assert security["allowPrivilegeEscalation"] is False
    assert security["capabilities"] == {"drop": ["ALL"]}
    mounts = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}
    assert mounts["/run"] == "run" and mounts["/tmp"] == "tmp"
    assert {"/home/dev8", "/workspace", "/etc/dev8/secrets"} <= set(mounts)
    volumes = {v["name"]: v for v in pod["volumes"]}
    assert "emptyDir" in volumes["run"] and "emptyDir" in volumes["tmp"]
    # The "restricted" Pod Security Standard, for every container of the pod.
    for c in pod["initContainers"] + pod["containers"]:
        s = {**pod["securityContext"], **c.get("securityContext", {})}
        assert s.get("runAsNonRoot") is True and s.get("allowPrivilegeEscalation") is False, c["name"]
        assert s.get("capabilities") == {"drop": ["ALL"]}, c["name"]
    assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}


def test_one_developer_is_a_namespace_with_its_image_and_identity(rendered):
    objects = rendered["developers/alice"]
    namespace = find(objects, "Namespace")["metadata"]["name"]
    assert namespace == "dev8-alice"
    for o in objects:
        if o["kind"] != "Namespace":
            assert o["metadata"].get("namespace") == namespace, f"{o['kind']} outside {namespace}"
    statefulset = find(objects, "StatefulSet")
    container = workspace_container(statefulset)
    assert container["image"] == "ghcr.io/example-org/dev8-nodejs:0.1.0"
    assert statefulset["spec"]["template"]["spec"]["initContainers"][0]["image"] == container["image"]
    (source,) = container["envFrom"]
    config_map = find(objects, "ConfigMap", source["configMapRef"]["name"])
    assert config_map["metadata"]["name"].startswith("developer-")
    assert config_map["data"] == {"GIT_USER_NAME": "Alice Example", "GIT_USER_EMAIL": "alice@example.com"}
