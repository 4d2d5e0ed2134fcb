"""The Kubernetes manifests of deploy/kubernetes as the cluster would get
them: rendered by kustomize, and the parts of them the tests look at.
Shared by tests/deploy and tests/docker (a pod of the rendered StatefulSet run
by Docker as the kubelet would run it)."""

import os
import shutil
import subprocess

import pytest
import yaml

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
DEPLOY = os.path.join(ROOT, "deploy")


def tool(name):
    value = os.environ.get(name)
    if not value:
        pytest.fail(f"{name} is not set: run the deploy checks with tests/deploy/run.sh")
    return value


# Debian 12's kubectl carries kustomize 2.0.3, which knows the fields of today's
# kustomize under their first names: a folder in `resources` was `bases`, and
# a patch file in `patches` was `patchesStrategicMerge`. Any other field it
# does not know fails the render.
def _kustomize2(kustomization, folder):
    out = dict(kustomization)
    resources = out.pop("resources", [])
    files = [r for r in resources if not os.path.isdir(os.path.join(folder, r))]
    bases = [r for r in resources if os.path.isdir(os.path.join(folder, r))]
    if files:
        out["resources"] = files
    if bases:
        out["bases"] = bases
    patches = out.pop("patches", [])
    for patch in patches:
        if set(patch) != {"path"}:
            raise AssertionError(f"{folder}: only `patches: - path: FILE` is checked here, not {patch}")
    if patches:
        out["patchesStrategicMerge"] = [p["path"] for p in patches]
    return out


def render(overlay, tmp_path):
    """kubectl kustomize deploy/kubernetes/OVERLAY, as a list of objects."""
    copy = tmp_path / "kubernetes"
    shutil.copytree(os.path.join(DEPLOY, "kubernetes"), copy)
    for folder, _, names in os.walk(copy):
        if "kustomization.yaml" in names:
            path = os.path.join(folder, "kustomization.yaml")
            with open(path) as f:
                kustomization = yaml.safe_load(f)
            with open(path, "w") as f:
                yaml.safe_dump(_kustomize2(kustomization, folder), f)
    run = subprocess.run([tool("DEV8_KUBECTL"), "kustomize", str(copy / overlay)],
                         capture_output=True, text=True)
    assert run.returncode == 0, f"kustomize {overlay}: {run.stderr}"
    return [o for o in yaml.safe_load_all(run.stdout) if o]


def find(objects, kind, name=None):
    found = [o for o in objects if o["kind"] == kind and (name is None or o["metadata"]["name"] == name)]
    assert len(found) == 1, f"expected one {kind} {name or ''}, found {len(found)}"
    return found[0]


def workspace_container(statefulset):
    containers = statefulset["spec"]["template"]["spec"]["containers"]
    assert [c["name"] for c in containers] == ["workspace"]
    return containers[0]


def env_of(container):
    return {e["name"]: e.get("value") for e in container.get("env", [])}
