#!/bin/bash
# The shell entrypoint dev8-init replaces, as Dev8 images ran it under tini:
# the same steps (git identity, authorized_keys, editor settings, a host key),
# then sshd and code-server in the background and a wait. bench/images.py
# mounts it into dev8/base for the comparison; nothing else uses it.
set -e
DEV_USER=dev8
DEV_HOME=/home/$DEV_USER

if [ -n "$GIT_USER_NAME" ]; then
  su "$DEV_USER" -c "git config --global user.name \"$GIT_USER_NAME\""
fi
if [ -n "$GIT_USER_EMAIL" ]; then
  su "$DEV_USER" -c "git config --global user.email \"$GIT_USER_EMAIL\""
fi

if [ -n "$SSH_PUBLIC_KEY" ]; then
  mkdir -p "$DEV_HOME/.ssh"
  echo "$SSH_PUBLIC_KEY" > "$DEV_HOME/.ssh/authorized_keys"
  chmod 700 "$DEV_HOME/.ssh"
  chmod 600 "$DEV_HOME/.ssh/authorized_keys"
  chown -R "$DEV_USER:$DEV_USER" "$DEV_HOME/.ssh"
fi

SETTINGS="$DEV_HOME/.local/share/code-server/User/settings.json"
if [ ! -f "$SETTINGS" ]; then
  mkdir -p "$(dirname "$SETTINGS")"
  echo '{"workbench.startupEditor": "none", "telemetry.telemetryLevel": "off"}' > "$SETTINGS"
  chown -R "$DEV_USER:$DEV_USER" "$DEV_HOME/.local"
fi

ssh-keygen -A >/dev/null
mkdir -p /run/sshd
/usr/sbin/sshd -D -e -p "${SSH_PORT:-2222}" -o PasswordAuthentication=no &

if command -v code-server >/dev/null; then
  su "$DEV_USER" -c "code-server --bind-addr 0.0.0.0:${CODE_SERVER_PORT:-8080} /workspace" &
fi

wait
