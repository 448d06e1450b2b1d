"""The one way a page's write answers, whatever the domain: validate the form, call one
service, then answer the way the caller asked (needs django-htmx's middleware for
``request.htmx``):

- htmx gets the panel it swaps: 200 after the change, 400 with the form's errors, 403 or
  409 with the refusal's message;
- a plain form POST gets a redirect with a message, or the form page again with its
  errors (400); refused for lack of a right, the 403 page; refused by the current state,
  a redirect with the message (or the message on the form page).

So every page works without JavaScript, and no view writes this ladder again.
"""

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect

from .errors import ConflictError

Panel = Callable[..., HttpResponse]


def add_service_errors(form, error: ValidationError) -> None:
    """Put a service's ValidationError on the fields it names (others on the form)."""
    if hasattr(error, "error_dict"):
        for field, field_messages in error.message_dict.items():
            form.add_error(field if field in form.fields else None, field_messages)
    else:
        form.add_error(None, error.messages)


def redirect_with_message(request: HttpRequest, to, message: str = "") -> HttpResponse:
    """A plain POST's answer after the change: back to ``to``, saying what happened."""
    if message:
        messages.success(request, message)
    return redirect(to)


def form_action(
    request: HttpRequest, form, act: Callable[[dict], Any], *,
    done: Callable[[Any], HttpResponse],
    page: Callable[..., HttpResponse] | None = None,
    panel: Panel | None = None,
    conflict_to: str | None = None,
) -> HttpResponse:
    """Run the write behind ``form`` and answer it.

    - ``act(cleaned_data)`` calls the one service and returns what it made or changed;
    - ``done(result)``: a plain POST that succeeded (usually ``redirect_with_message``);
    - ``page(status=...)``: the form's page (a GET: 200; with errors: 400);
    - ``panel(status=..., error=..., result=...)``: what an htmx request gets, for every
      outcome; without it htmx requests are answered like plain ones;
    - ``conflict_to``: where a plain POST refused by the current state goes with the
      message; without it the message is shown on the form's page.
    """
    htmx = panel is not None and bool(getattr(request, "htmx", False))
    if form.is_bound and form.is_valid():
        try:
            result = act(form.cleaned_data)
        except PermissionDenied as error:
            if not htmx:
                raise
            return panel(status=403, error=str(error))
        except ConflictError as error:
            if htmx:
                return panel(status=409, error=error.message)
            if conflict_to is not None:
                messages.error(request, error.message)
                return redirect(conflict_to)
            form.add_error(None, error.message)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return panel(status=200, result=result) if htmx else done(result)
    status = 400 if form.errors else 200
    if htmx:
        return panel(status=status)
    return page(status=status) if page is not None else HttpResponseBadRequest()
