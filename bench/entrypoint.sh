#!/bin/bash
# The shell entrypoint dev8-init replaces, as Dev8 images ran it (under tini):
# the same steps one after another (the token checked with curl and given to
# gh, git's identity and credential helper, authorized_keys, editor settings,
# the AI keys for the shells, a host key), then sshd and code-server in the
# background and a wait. bench/images.py mounts it into dev8/base and
# bench/whole_start.py runs it as PID 1; nothing else uses it.
set -e
DEV_USER=dev8
DEV_HOME=/home/$DEV_USER
GITHUB_HOST=${DEV8_GITHUB_HOST:-github.com}
if [ "$GITHUB_HOST" = github.com ]; then API=https://api.github.com; else API=https://$GITHUB_HOST/api/v3; fi

if [ -n "$GITHUB_TOKEN" ]; then
  if curl -fsS -o /dev/null -H "Authorization: token $GITHUB_TOKEN" "$API/user"; then
    echo "$GITHUB_TOKEN" | env -u GITHUB_TOKEN GH_HOST="$GITHUB_HOST" su "$DEV_USER" -c "gh auth login --with-token"
  else
    echo "warning: GITHUB_TOKEN rejected" >&2
  fi
  su "$DEV_USER" -c "git config --global credential.https://$GITHUB_HOST.helper '!gh auth git-credential'"
fi
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

if [ -n "$ANTHROPIC_API_KEY" ] || [ -n "$OPENAI_API_KEY" ]; then
  {
    [ -n "$ANTHROPIC_API_KEY" ] && echo "export ANTHROPIC_API_KEY='$ANTHROPIC_API_KEY'"
    [ -n "$OPENAI_API_KEY" ] && echo "export OPENAI_API_KEY='$OPENAI_API_KEY'"
    true
  } >> "$DEV_HOME/.bashrc"
  chown "$DEV_USER:$DEV_USER" "$DEV_HOME/.bashrc"
fi

# A host key given to the bench stands for `ssh-keygen -A`, which would write /etc/ssh.
if [ -n "$SSH_HOST_KEY" ]; then HOST_KEY=(-h "$SSH_HOST_KEY"); else ssh-keygen -A >/dev/null; HOST_KEY=(); fi
mkdir -p /run/sshd
/usr/sbin/sshd -D -e -p "${SSH_PORT:-2222}" "${HOST_KEY[@]}" -o PasswordAuthentication=no &

CODE_SERVER=${CODE_SERVER_BIN:-code-server}
if command -v "$CODE_SERVER" >/dev/null; then
  su "$DEV_USER" -c "$CODE_SERVER --bind-addr 0.0.0.0:${CODE_SERVER_PORT:-8080} --auth password ${DEV8_WORKSPACE:-/workspace}" &
fi

wait
