"""The cabinet's own pages: sign-up and sign-in, the dashboard's frame,
profile and consents, my data, the program rules. Views are thin: reads come
from selectors and the registry, writes from ``members.cabinet.services``."""

import json

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.hashers import check_password
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ..models import ConsentPurpose, Credentials, Language, MemberEvent
from ..selectors import consent_current_states, consent_history, consent_text_current, member_events
from . import services
from .auth import (
    client_address,
    credentials_from_uid,
    member_required,
    reset_tokens,
    safe_next,
    session_login,
    session_logout,
    session_member,
    sign_in_throttles,
    verification_tokens,
)
from .forms import (
    MARKETING_FIELDS,
    EraseForm,
    PasswordResetForm,
    ProfileForm,
    SetPasswordForm,
    SignInForm,
    SignUpForm,
)
from .numbers import member_number, member_number_display
from .qr import qr_svg
from .registry import Block, cabinet


def _language():
    code = (translation.get_language() or "en")[:2]
    return code if code in Language.values else Language.ENGLISH


def _set_language_cookie(response, language):
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )


# Signing up and in


@require_http_methods(["GET", "POST"])
def sign_up(request):
    if session_member(request) is not None:
        return redirect("cabinet:dashboard")
    texts = {purpose: consent_text_current(purpose) for purpose in ConsentPurpose.values}
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and texts[ConsentPurpose.PERSONAL_DATA] is None:
        form.add_error(None, _("Sign-up is not open yet: the program has not published its consent text."))
    if request.method == "POST" and form.is_valid():
        consents = [(ConsentPurpose.PERSONAL_DATA, True, texts[ConsentPurpose.PERSONAL_DATA].version)]
        for purpose, field in MARKETING_FIELDS.items():
            if form.cleaned_data[field] and texts[purpose] is not None:
                consents.append((purpose, True, texts[purpose].version))
        try:
            services.sign_up(
                email=form.cleaned_data["email"],
                password=form.cleaned_data["password1"],
                first_name=form.cleaned_data["first_name"],
                language=_language(),
                consents=consents,
                build_url=request.build_absolute_uri,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            request.session["cabinet_sign_up_email"] = form.cleaned_data["email"]
            return redirect("cabinet:sign_up_done")
    return render(
        request,
        "cabinet/sign_up.html",
        {"form": form, "texts": texts, "marketing": [(form[field], texts[p]) for p, field in MARKETING_FIELDS.items()]},
    )


@require_GET
def sign_up_done(request):
    return render(request, "cabinet/sign_up_done.html", {"email": request.session.get("cabinet_sign_up_email", "")})


@require_GET
def verify_email(request, uid, token):
    credentials = credentials_from_uid(uid)
    if credentials is not None and verification_tokens.check_token(credentials, token):
        credentials = services.email_verify(credentials=credentials)
        session_login(request, credentials)
        messages.success(request, _("Your email is confirmed. Welcome!"))
        return redirect("cabinet:dashboard")
    if credentials is not None and credentials.is_verified:
        messages.info(request, _("Your email is already confirmed: sign in."))
        return redirect("cabinet:sign_in")
    return render(request, "cabinet/link_invalid.html", status=400)


@require_http_methods(["GET", "POST"])
def sign_in(request):
    if session_member(request) is not None:
        return redirect(safe_next(request, reverse("cabinet:dashboard")))
    form = SignInForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            credentials = services.sign_in_check(
                identifier=form.cleaned_data["identifier"],
                password=form.cleaned_data["password"],
                address=client_address(request),
                throttles=sign_in_throttles(),
                build_url=request.build_absolute_uri,
            )
        except services.SignInRefused as refused:
            if refused.reason == "throttled":
                status = 429
                form.add_error(
                    None, _("Too many failed attempts. Wait 15 minutes and try again, or reset your password.")
                )
            elif refused.reason == "unverified":
                form.add_error(
                    None, _("Confirm your email first: we have sent you a new link. Check your inbox and spam folder.")
                )
            else:
                form.add_error(None, _("The email or phone and the password do not match. Check them and try again."))
        else:
            session_login(request, credentials)
            return redirect(safe_next(request, reverse("cabinet:dashboard")))
    return render(request, "cabinet/sign_in.html", {"form": form, "next": safe_next(request, "")}, status=status)


@require_POST
def sign_out(request):
    session_logout(request)
    messages.info(request, _("You have signed out."))
    return redirect("cabinet:sign_in")


@require_http_methods(["GET", "POST"])
def password_reset(request):
    form = PasswordResetForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.password_reset_request(email=form.cleaned_data["email"], build_url=request.build_absolute_uri)
        return render(request, "cabinet/password_reset_sent.html", {"email": form.cleaned_data["email"]})
    return render(request, "cabinet/password_reset.html", {"form": form})


@require_http_methods(["GET", "POST"])
def password_reset_confirm(request, uid, token):
    credentials = credentials_from_uid(uid)
    if credentials is None or not reset_tokens.check_token(credentials, token):
        return render(request, "cabinet/link_invalid.html", status=400)
    form = SetPasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        credentials = services.password_set(credentials=credentials, password=form.cleaned_data["password1"])
        session_login(request, credentials)
        messages.success(request, _("Your new password is set."))
        return redirect("cabinet:dashboard")
    return render(request, "cabinet/password_set.html", {"form": form})


# The dashboard and the card


def card_panel(request, member):
    number = member_number(member)
    return Block(
        "cabinet/panels/card.html",
        {
            "number": number,
            "number_display": member_number_display(number),
            "qr": qr_svg(number, title=_("QR code of member number %(number)s") % {"number": number}),
        },
    )


@member_required
def dashboard(request):
    return render(request, "cabinet/dashboard.html", {"panels": cabinet.panels(request, request.member)})


@member_required
def card(request):
    return render(request, "cabinet/card.html", {"card": card_panel(request, request.member)})


# Profile and consents


@member_required
@require_http_methods(["GET", "POST"])
def profile(request):
    member = request.member
    states = consent_current_states(member)
    texts = {purpose: consent_text_current(purpose) for purpose in ConsentPurpose.values}
    initial = {
        "first_name": member.first_name,
        "last_name": member.last_name,
        "phone": member.phone or "",
        "language": member.language,
        "birth_date": member.birth_date,
        **{field: bool(states[p] and states[p].granted) for p, field in MARKETING_FIELDS.items()},
    }
    form = ProfileForm(request.POST or None, initial=initial, birth_date_locked=member.birth_date is not None)
    if request.method == "POST" and form.is_valid():
        try:
            changed = services.profile_update(member=member, changes=form.profile_changes())
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            consents = services.consents_update(
                member=member,
                wanted=form.consent_wishes(),
                versions={purpose: text.version for purpose, text in texts.items() if text is not None},
            )
            messages.success(request, _("Your profile is saved.") if changed or consents else _("Nothing has changed."))
            response = redirect("cabinet:profile")
            if "language" in changed:
                _set_language_cookie(response, member.language)
            return response
    return render(
        request,
        "cabinet/profile.html",
        {
            "form": form,
            "personal_data": states[ConsentPurpose.PERSONAL_DATA],
            "consent_history": consent_history(member)[:50],
            "events": _events_in_words(member_events(member)[:50], form),
            "texts": texts,
        },
    )


def _events_in_words(events, form):
    """[(event, [labels of the fields it changed])] for the profile page."""
    labels = {name: str(field.label) for name, field in ProfileForm().fields.items()}
    return [
        (
            event,
            [labels.get(field, field) for field in event.changes]
            if event.kind == MemberEvent.Kind.PROFILE_CHANGED
            else [],
        )
        for event in events
    ]


@require_GET
def consent_text(request, purpose):
    if purpose not in ConsentPurpose.values:
        raise Http404
    text = consent_text_current(purpose)
    if text is None:
        raise Http404
    return render(request, "cabinet/consent_text.html", {"text": text})


# My data


@member_required
@require_GET
def my_data(request):
    return render(request, "cabinet/my_data.html")


@member_required
@require_POST
def data_download(request):
    data = services.data_export(request.member)
    response = HttpResponse(
        json.dumps(data, ensure_ascii=False, indent=2, default=str), content_type="application/json; charset=utf-8"
    )
    stamp = timezone.now().strftime("%Y%m%d")
    response["Content-Disposition"] = f'attachment; filename="my-data-{member_number(request.member)}-{stamp}.json"'
    return response


@member_required
@require_http_methods(["GET", "POST"])
def delete_account(request):
    form = EraseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        credentials = Credentials.objects.get(member=request.member)
        if not credentials_password_ok(credentials, form.cleaned_data["password"]):
            form.add_error("password", _("The password is not right."))
        else:
            services.member_erase(member=request.member)
            session_logout(request)
            return render(request, "cabinet/deleted.html")
    return render(request, "cabinet/delete_account.html", {"form": form})


def credentials_password_ok(credentials, password):
    return check_password(password, credentials.password)


# The program rules: public, generated from the live configuration


@require_GET
def rules(request):
    member = session_member(request)
    return render(request, "cabinet/rules.html", {"sections": cabinet.rules_sections(request, member)})


@require_GET
@cache_control(public=True, max_age=300)
def brand_css(request):
    """The program's colours as CSS custom properties (no inline style: the
    cabinet's Content Security Policy forbids it)."""
    settings_ = cabinet.settings()
    css = (
        ":root{"
        f"--brand:{settings_.brand_colour};--on-brand:{readable_on(settings_.brand_colour)};"
        f"--accent:{settings_.accent_colour};--on-accent:{readable_on(settings_.accent_colour)};"
        "}\n"
    )
    return HttpResponse(css, content_type="text/css; charset=utf-8")


def readable_on(colour):
    """Black or white, whichever contrasts more with ``colour`` (WCAG relative luminance)."""
    try:
        channels = [int(colour[index : index + 2], 16) / 255 for index in (1, 3, 5)]
    except (ValueError, TypeError):
        return "#ffffff"
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    luminance = 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
    return "#000000" if (luminance + 0.05) / 0.05 > 1.05 / (luminance + 0.05) else "#ffffff"
