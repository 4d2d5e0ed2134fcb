"""Checks of the manifests in deploy/, offline: each against its platform's
published schema, and each against what the images and dev8-init do.

tests/deploy/run.sh installs the validators and names them in the
environment: DEV8_KUBECTL (Debian's kubectl with its kustomize), DEV8_NODE,
DEV8_KUBERNETES_MODELS, DEV8_K8S_CLIENT_MODELS and DEV8_AZURE_PYTHON;
DEV8_INIT is the binary whose `plan` reads each manifest's environment.
"""

import json
import os
import subprocess
import sys

from manifests import ROOT, tool

DEV8_INIT = os.path.abspath(os.environ.get("DEV8_INIT") or os.path.join(ROOT, "build", "dev8-init"))
HERE = os.path.dirname(__file__)


def validate_kubernetes(objects):
    """Findings of the Kubernetes OpenAPI schema checks, one string each."""
    run = subprocess.run(
        [tool("DEV8_NODE"), os.path.join(HERE, "k8s_validate.mjs"),
         tool("DEV8_KUBERNETES_MODELS"), tool("DEV8_K8S_CLIENT_MODELS")],
        input=json.dumps(objects), capture_output=True, text=True)
    assert run.returncode in (0, 1), run.stderr
    findings = run.stdout.splitlines()
    assert (run.returncode == 1) == bool(findings), run.stdout + run.stderr
    return findings


def azure_models():
    sys.path.insert(0, tool("DEV8_AZURE_PYTHON"))
    from azure.mgmt.containerinstance import models
    return models


def plan(env, tmp_path):
    """`dev8-init plan` with a manifest's environment: (exit code, output).

    A variable given as a file (NAME_FILE) is pointed at an empty file in
    tmp_path, as a Secret key left empty."""
    environment = {"PATH": os.environ["PATH"]}
    for name, value in env.items():
        if name.endswith("_FILE"):
            value = tmp_path / name.lower()
            value.write_text("")
        environment[name] = str(value)
    run = subprocess.run([DEV8_INIT, "plan"], env=environment, capture_output=True, text=True)
    return run.returncode, run.stdout + run.stderr
