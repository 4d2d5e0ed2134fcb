"""deploy/aci/workspace.yaml: checked against the Azure Container Instances
API model (azure-mgmt-containerinstance from Debian's python3-azure: every
field known, of its type, required fields present, read-only ones absent,
enumerations from the API's own enums) and held to what the README promises."""

import os

import pytest
import yaml

from conftest import azure_models, plan
from manifests import DEPLOY

SECRETS = {"GITHUB_TOKEN", "SSH_PUBLIC_KEY", "ANTHROPIC_API_KEY", "OPENAI_API_KEY"}
# Fields of `az container create --file` around the ContainerGroup resource.
FILE_FIELDS = {"apiVersion", "name", "type"}


def load():
    with open(os.path.join(DEPLOY, "aci", "workspace.yaml")) as f:
        return yaml.safe_load(f)


def check(document):
    """Findings against models.ContainerGroup, one string each."""
    models = azure_models()
    enums = {
        ("ContainerGroup", "properties.osType"): models.OperatingSystemTypes,
        ("ContainerGroup", "properties.restartPolicy"): models.ContainerGroupRestartPolicy,
        ("IpAddress", "type"): models.ContainerGroupIpAddressType,
        ("Port", "protocol"): models.ContainerGroupNetworkProtocol,
        ("ContainerPort", "protocol"): models.ContainerNetworkProtocol,
    }
    findings = []
    scalars = {"str": str, "int": int, "bool": bool, "float": (int, float)}

    def walk(value, type_name, path):
        if type_name.startswith("[") and type_name.endswith("]"):
            if not isinstance(value, list):
                return findings.append(f"{path}: must be a list")
            for i, item in enumerate(value):
                walk(item, type_name[1:-1], f"{path}[{i}]")
        elif type_name.startswith("{") and type_name.endswith("}"):
            if not isinstance(value, dict):
                return findings.append(f"{path}: must be a map")
            for k, v in value.items():
                walk(v, type_name[1:-1], f"{path}.{k}")
        elif type_name in scalars:
            if not isinstance(value, scalars[type_name]) or isinstance(value, bool) != (type_name == "bool"):
                findings.append(f"{path}: must be {type_name}, not {value!r}")
        else:
            model = getattr(models, type_name)
            if not isinstance(value, dict):
                return findings.append(f"{path}: must be a {type_name} object")
            fields = {spec["key"]: (attr, spec["type"]) for attr, spec in model._attribute_map.items()}
            validation = model._validation
            flat = {}

            def flatten(d, prefix):
                for k, v in d.items():
                    key = f"{prefix}{k}"
                    if isinstance(v, dict) and key not in fields and any(f.startswith(key + ".") for f in fields):
                        flatten(v, key + ".")
                    else:
                        flat[key] = v

            flatten(value, "")
            for key, v in flat.items():
                where = f"{path}.{key}" if path else key
                if type_name == "ContainerGroup" and key in FILE_FIELDS:
                    continue
                if key not in fields:
                    findings.append(f"{where}: unknown field in {type_name}")
                    continue
                attr, field_type = fields[key]
                if validation.get(attr, {}).get("readonly"):
                    findings.append(f"{where}: read-only in {type_name}")
                walk(v, field_type, where)
                enum = enums.get((type_name, key))
                if enum and v not in {e.value for e in enum}:
                    findings.append(f"{where}: {v!r} is not one of {sorted(e.value for e in enum)}")
            for attr, rule in validation.items():
                key = model._attribute_map[attr]["key"]
                if rule.get("required") and key not in flat:
                    findings.append(f"{path or '/'}: {type_name} requires {key}")

    walk(document, "ContainerGroup", "")
    return findings


@pytest.fixture
def group():
    return load()


@pytest.fixture
def container(group):
    (container,) = group["properties"]["containers"]
    return container["properties"]


def test_matches_the_container_group_model(group):
    assert check(group) == []
    assert group["type"] == "Microsoft.ContainerInstance/containerGroups"
    assert group["apiVersion"] == "2022-09-01"


def test_the_schema_check_finds_unknown_fields_wrong_types_and_missing_fields(group, container):
    container["resources"]["requests"]["memoryInGb"] = 8
    container["livenessProbe"]["periodSeconds"] = "10"
    group["properties"]["osType"] = "linux-ish"
    del container["image"]
    findings = "\n".join(check(group))
    assert "properties.containers[0].properties.resources.requests.memoryInGb: unknown field" in findings
    assert "livenessProbe.periodSeconds: must be int" in findings
    assert "properties.osType: 'linux-ish' is not one of" in findings
    assert "Container requires properties.image" in findings


def test_ports_probes_and_secure_values(group, container):
    assert {(p["port"], p["protocol"]) for p in container["ports"]} == {(2222, "TCP"), (8080, "TCP")}
    assert {(p["port"], p["protocol"]) for p in group["properties"]["ipAddress"]["ports"]} == {
        (2222, "TCP"), (8080, "TCP")}
    assert container["livenessProbe"]["exec"]["command"] == ["/usr/local/bin/dev8-init", "health", "--live"]
    assert container["readinessProbe"]["exec"]["command"] == ["/usr/local/bin/dev8-init", "health"]
    env = container["environmentVariables"]
    assert {e["name"] for e in env if "secureValue" in e} == SECRETS
    assert not [e for e in env if e["name"] in SECRETS and "value" in e]
    assert "command" not in container


def test_the_workspace_is_an_azure_files_share(group, container):
    (volume,) = group["properties"]["volumes"]
    assert set(volume["azureFile"]) >= {"shareName", "storageAccountName", "storageAccountKey"}
    assert container["volumeMounts"] == [{"name": volume["name"], "mountPath": "/workspace"}]


def test_dev8_init_accepts_the_environment(container, tmp_path):
    env = {e["name"]: e.get("value", "placeholder-secret-value") for e in container["environmentVariables"]}
    env["SSH_PUBLIC_KEY"] = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGpv2wYd+6O5P3kLUWhvMA6dQtW7v0wPmiq7jq5l7Vn/ alice"
    code, output = plan(env, tmp_path)
    assert code == 0, output
    assert "not a dev8-init variable" not in output
    # No grace period to outlast on ACI: dev8-init's default, inside Docker's 10 s.
    assert "stop timeout: 8.0 s" in output
