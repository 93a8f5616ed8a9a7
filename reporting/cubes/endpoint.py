"""The public event intake endpoint: POST /p/cubes/events/ (no login: an API key).

    curl -X POST https://…/p/cubes/events/ -H "Authorization: Bearer mc_…" \
         -H "Content-Type: application/json" -d '{"type": "order_confirmation", "email": "a@b.c"}'

Answers (JSON):
- 201 {"ids": [...], "count": n}: every event stored, ids in the order sent;
- 400 {"errors": [{"index", "field", "message"}…]}: bad JSON or bad events (nothing stored);
- 401 no key, or an unknown or revoked key; 405 not a POST; 415 not JSON;
- 413 a body over MAX_BODY_BYTES, or more events than the `cubes.intake_batch_max` setting;
- 429 more events this minute than `cubes.intake_events_per_minute` for the key
  (Retry-After: seconds to the next minute).
"""

import json

from django.core.exceptions import RequestDataTooBig
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from campaign import configuration

from . import intake
from .models import IntakeKey

MAX_BODY_BYTES = 1024 * 1024


def error(status, message, field=None, **headers):
    response = JsonResponse({"errors": [{"index": None, "field": field, "message": message}]}, status=status)
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    return response


def presented_secret(request):
    """The key from `Authorization: Bearer <key>` or `X-Api-Key: <key>`."""
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return request.headers.get("X-Api-Key", "").strip()


@csrf_exempt
def push_events(request):
    if request.method != "POST":
        return error(405, "use POST", Allow="POST")
    secret = presented_secret(request)
    if not secret:
        return error(401, "an API key is required (Authorization: Bearer <key>)", WWW_Authenticate="Bearer")
    key = IntakeKey.objects.for_secret(secret)
    if key is None:
        return error(401, "unknown or revoked API key", WWW_Authenticate="Bearer")
    if request.content_type != "application/json":
        return error(415, "the body must be JSON (Content-Type: application/json)")
    try:
        declared_length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared_length = 0
    if declared_length > MAX_BODY_BYTES:
        return error(413, f"the body is larger than {MAX_BODY_BYTES} bytes")
    try:
        body = request.body
    except RequestDataTooBig:
        return error(413, f"the body is larger than {MAX_BODY_BYTES} bytes")
    if len(body) > MAX_BODY_BYTES:
        return error(413, f"the body is larger than {MAX_BODY_BYTES} bytes")
    try:
        document = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        return error(400, f"the body is not valid JSON: {exc}")
    limits = configuration.values(["cubes.intake_batch_max", "cubes.intake_events_per_minute"])
    try:
        checked = intake.check(document, intake.Lookups.load(), limits["cubes.intake_batch_max"])
        ids = intake.store(checked, key, timezone.now(), limits["cubes.intake_events_per_minute"])
    except intake.Refused as refused:
        response = JsonResponse({"errors": [p.as_json() for p in refused.problems]}, status=refused.status)
        if refused.retry_after is not None:
            response["Retry-After"] = str(refused.retry_after)
        return response
    return JsonResponse({"ids": ids, "count": len(ids)}, status=201)
