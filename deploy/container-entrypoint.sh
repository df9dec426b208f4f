#!/bin/sh
# SPDX-License-Identifier: AGPL-3.0-or-later
# The container's roles: the same commands as deploy/systemd/*.service.
set -eu
case "${1:-web}" in
  migrate) nervepath migrate --noinput && exec nervepath collectstatic --noinput ;;
  web) exec gunicorn -c /srv/nervepath/deploy/gunicorn.conf.py nervepath.config.wsgi ;;
  worker) exec nervepath db_worker --interval 5 ;;
  *) exec nervepath "$@" ;;
esac
