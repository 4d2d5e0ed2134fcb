"""deploy/ecs/task-definition.json: checked against the ECS API model
(RegisterTaskDefinition, from Debian's python3-botocore, with botocore's own
parameter validator) and held to what the README promises."""

import json
import os

import botocore.session
import pytest
from botocore.validate import ParamValidator

from conftest import plan
from manifests import DEPLOY

SECRETS = {"GITHUB_TOKEN", "SSH_PUBLIC_KEY", "ANTHROPIC_API_KEY", "OPENAI_API_KEY"}


def load():
    with open(os.path.join(DEPLOY, "ecs", "task-definition.json")) as f:
        return json.load(f)


def schema_report(task_definition):
    model = botocore.session.get_session().get_service_model("ecs")
    shape = model.operation_model("RegisterTaskDefinition").input_shape
    return ParamValidator().validate(task_definition, shape).generate_report()


@pytest.fixture
def task():
    return load()


@pytest.fixture
def container(task):
    (container,) = task["containerDefinitions"]
    return container


def test_matches_the_register_task_definition_model(task):
    assert schema_report(task) == ""


def test_the_schema_check_finds_unknown_fields_and_wrong_types(task, container):
    container["stopTimout"] = 30
    container["healthCheck"]["interval"] = "5"
    del task["family"]
    report = schema_report(task)
    assert 'Unknown parameter in containerDefinitions[0]: "stopTimout"' in report
    assert "Invalid type for parameter containerDefinitions[0].healthCheck.interval" in report
    assert 'Missing required parameter in input: "family"' in report


def test_dev8_init_is_pid_1_of_the_nodejs_image(container):
    assert container["image"].endswith("/dev8-nodejs:0.1.0")
    assert container["essential"] is True
    # ECS's own init would become PID 1 and dev8-init its child.
    assert container["linuxParameters"]["initProcessEnabled"] is False
    assert "entryPoint" not in container and "command" not in container


def test_ports_health_check_and_stop_timeout(task, container):
    assert {(p["containerPort"], p["protocol"]) for p in container["portMappings"]} == {
        (2222, "tcp"), (8080, "tcp")}
    assert container["healthCheck"]["command"] == ["CMD", "/usr/local/bin/dev8-init", "health"]
    assert 5 <= container["healthCheck"]["interval"] <= 300
    env = {e["name"]: e["value"] for e in container["environment"]}
    # ECS sends SIGKILL stopTimeout seconds after SIGTERM (at most 120 on Fargate).
    assert float(env["DEV8_STOP_TIMEOUT"]) + 5 <= container["stopTimeout"] <= 120


def test_secrets_come_from_secrets_manager_never_from_plain_environment(container):
    secrets = {s["name"]: s["valueFrom"] for s in container["secrets"]}
    assert set(secrets) == SECRETS
    assert all(v.startswith("arn:aws:secretsmanager:") for v in secrets.values())
    assert not SECRETS & {e["name"] for e in container["environment"]}


def test_home_and_workspace_are_efs_volumes(task, container):
    volumes = {v["name"]: v["efsVolumeConfiguration"] for v in task["volumes"]}
    mounts = {m["containerPath"]: m["sourceVolume"] for m in container["mountPoints"]}
    assert mounts == {"/home/dev8": "home", "/workspace": "workspace"}
    for name in ("home", "workspace"):
        assert volumes[name]["transitEncryption"] == "ENABLED"
        # The access point gives the folder to uid 1000 with mode 0755
        # (deploy/README.md): sshd accepts keys only under such a home.
        assert volumes[name]["authorizationConfig"]["accessPointId"].startswith("fsap-")


def test_dev8_init_accepts_the_environment(container, tmp_path):
    env = {e["name"]: e["value"] for e in container["environment"]}
    env.update({name: "placeholder-secret-value" for name in SECRETS})
    env["SSH_PUBLIC_KEY"] = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGpv2wYd+6O5P3kLUWhvMA6dQtW7v0wPmiq7jq5l7Vn/ alice"
    code, output = plan(env, tmp_path)
    assert code == 0, output
    assert "not a dev8-init variable" not in output
    assert "stop timeout: 20.0 s" in output
