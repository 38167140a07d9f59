"""Webhooks: integrations subscribe to case events; each event a subscription may see is
delivered as a signed POST, retried with backoff by the task worker, recorded, replayable
(docs/webhooks.md)."""
