"""The worker's side (django-tasks; `civicgrid db_worker` runs them from the database queue)."""

from __future__ import annotations

from django_tasks import task


@task()
def fan_out(event_id: int) -> int:
    from .services import fan_out_event

    return fan_out_event(event_id)


@task()
def deliver(delivery_id: int) -> str:
    from .services import delivery_attempt

    return delivery_attempt(delivery_id)
