"""Sending the finished reports and the PSEs' reminders by e-mail (issue 9).

:mod:`kpilib.delivery.smtp` reads the SMTP settings from the environment and sends one
message; :mod:`kpilib.delivery.reports` e-mails each report of a batch folder to the recipients
of its parameter file (``kpi deliver``); :mod:`kpilib.delivery.reminders` reminds PSEs of
returns due soon or late (``kpi remind``). Every attempt is recorded, and nothing already sent
is sent again.
"""
