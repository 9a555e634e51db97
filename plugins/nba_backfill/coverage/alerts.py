"""Alerts go out through Airflow's notifier interface, with the Apprise provider.

Why Apprise: one Airflow connection (``nba_alerts``) reaches Slack, e-mail, Teams,
PagerDuty or a plain JSON webhook, chosen by URL, so a team changes where alerts go without
touching code. The local stack points it at its own webhook receiver.

The provider's notifier ignores Apprise's delivery result; an alert that silently failed
to leave is the worst outcome at 3 a.m., so ``DeliveredAppriseNotifier`` raises instead.
"""

from __future__ import annotations

from typing import Any

from airflow.providers.apprise.notifications.apprise import AppriseNotifier

ALERT_CONN_ID = "nba_alerts"
ALERT_TAG = "nba-alerts"
"""Services of the connection's Apprise config tagged with this (or ``all``) get the alerts."""


class AlertNotDelivered(RuntimeError):
    """No service of the alert connection accepted the alert."""


class DeliveredAppriseNotifier(AppriseNotifier):
    """``AppriseNotifier`` that fails loudly when no configured service took the message."""

    def notify(self, context: Any) -> None:
        import apprise

        hook = self.hook
        sender = apprise.Apprise()
        if self.config:
            sender.add(self.config)
        else:
            hook.set_config_from_conn(conn=hook.get_connection(hook.apprise_conn_id), apprise_obj=sender)
        if not sender.notify(
            body=self.body,
            title=self.title or "",
            notify_type=self.notify_type,
            body_format=self.body_format,
            tag=self.tag,
        ):
            targets = ", ".join(s.url(privacy=True) for s in sender) or "no service configured"
            raise AlertNotDelivered(
                f"alert {self.title!r} was not delivered through connection {hook.apprise_conn_id!r} ({targets})"
            )


def send_alert(title: str, body: str, *, failure: bool = True, context: Any = None) -> None:
    """Send one alert through the ``nba_alerts`` connection; raise if it was not delivered."""
    from apprise import NotifyType

    notifier = DeliveredAppriseNotifier(
        title=title,
        body=body,
        notify_type=NotifyType.FAILURE if failure else NotifyType.SUCCESS,
        apprise_conn_id=ALERT_CONN_ID,
        tag=[ALERT_TAG, "all"],
    )
    notifier.notify(context or {})
