"""Page: a signed-in person changes their own password."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from lianxin.audit.services import client_ip
from lianxin.org.admins import own_password_change


@require_http_methods(["GET", "POST"])
@login_required
def password_change(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not isinstance(user, User):  # login_required let no one else in
        raise PermissionDenied
    form = PasswordChangeForm(user, request.POST or None)
    for field in form.fields.values():
        field.widget.attrs["class"] = "form-control"
    if request.method == "POST" and form.is_valid():
        own_password_change(
            user=user, password=form.cleaned_data["new_password1"], ip=client_ip(request.META)
        )
        update_session_auth_hash(request, user)
        messages.success(request, _("密码已修改。"))
        return redirect("home")
    return render(
        request, "registration/password_change.html", {"form": form}, status=400 if form.errors else 200
    )


urlpatterns: list[URLPattern] = [
    path("accounts/password_change/", password_change, name="password_change"),
]
