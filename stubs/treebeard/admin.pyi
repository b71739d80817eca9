from typing import Any

from django.contrib import admin

class TreeAdmin(admin.ModelAdmin[Any]): ...
