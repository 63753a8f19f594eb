"""The trader's web server: ``POST /webhook`` and its status, kill switch and health routes."""

from binfolio.entrypoints.web.webhook.app import create_webhook_app
from binfolio.entrypoints.web.webhook.ingress import WebhookOptions

__all__ = ["WebhookOptions", "create_webhook_app"]
