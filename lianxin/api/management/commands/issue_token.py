"""`manage.py issue_token USERNAME --name NAME`: create an API token and print its key once."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from lianxin.api.models import ApiToken


class Command(BaseCommand):
    help = "为用户签发接口令牌；令牌只显示这一次，数据库仅保存其摘要。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--name", required=True, help="令牌名称，例如调用方系统的名字")

    def handle(self, *args: Any, username: str, name: str, **options: Any) -> None:
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"用户不存在：{username}")
        if not user.is_active:
            raise CommandError(f"用户已停用：{username}")
        name = name.strip()
        if not name or len(name) > ApiToken._meta.get_field("name").max_length:  # type: ignore[operator]
            raise CommandError("令牌名称不能为空，且不超过 64 个字符")
        _, raw = ApiToken.issue(user=user, name=name)
        self.stderr.write(f"已为 {username} 签发令牌「{name}」。请立即保存，它不会再次显示：")
        self.stdout.write(raw)
