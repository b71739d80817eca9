"""`manage.py break_glass`: the only way to make someone an administrator, a superuser, or to set an
administrator's password. It runs on the server's shell, asks for a reason and writes an audit event.

    manage.py break_glass USERNAME --role security_admin --reason "新任安全管理员"
    manage.py break_glass USERNAME --revoke --reason "离任"
    manage.py break_glass USERNAME --superuser --reason "故障处理 #123"   (--no-superuser to end it)
    manage.py break_glass USERNAME --set-password --reason "管理员忘记密码"
"""

from __future__ import annotations

import getpass
import os
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from lianxin.org import admins


def operator_name() -> str:
    """Who ran the command, as the server knows them."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return os.environ.get("SUDO_USER", "") or "unknown"


class Command(BaseCommand):
    help = "Grant or revoke an administrator role or superuser, or set an administrator's password (audited)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        action = parser.add_mutually_exclusive_group(required=True)
        action.add_argument("--role", choices=sorted(admins.ADMIN_ROLES))
        action.add_argument("--revoke", action="store_true", help="take every administrator privilege away")
        action.add_argument("--superuser", dest="superuser", action="store_const", const=True)
        action.add_argument("--no-superuser", dest="superuser", action="store_const", const=False)
        action.add_argument("--set-password", action="store_true", help="prompt for a new password")
        parser.add_argument("--reason", required=True, help="why: it goes into the audit record")
        parser.add_argument("--create", action="store_true", help="create the account if it does not exist")

    def handle(self, *args: Any, **options: Any) -> None:
        User = get_user_model()
        username = options["username"]
        user = User.objects.filter(username=username).first()
        if user is None:
            if not options["create"]:
                raise CommandError(f"没有账号 {username}（新建请加 --create）")
            user = User.objects.create_user(username=username)  # no usable password until one is set
        operator = operator_name()
        reason = options["reason"]
        try:
            if options["role"]:
                admins.admin_role_grant(user=user, role=options["role"], reason=reason, operator=operator)
            elif options["revoke"]:
                admins.admin_role_revoke(user=user, reason=reason, operator=operator)
            elif options["superuser"] is not None:
                admins.superuser_set(user=user, on=options["superuser"], reason=reason, operator=operator)
            else:
                password = self.ask_password()
                admins.admin_password_set(user=user, password=password, reason=reason, operator=operator)
        except ValidationError as error:
            raise CommandError("；".join(error.messages)) from error
        self.stdout.write(f"已完成并记入审计：{username}")

    def ask_password(self) -> str:
        first = getpass.getpass("新密码：")
        if first != getpass.getpass("再输入一次："):
            raise CommandError("两次输入的密码不一致")
        return first
