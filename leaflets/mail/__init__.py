"""Mail leaflets to patients: recipients, composing, SMTP and outbox delivery, batches."""

#: Seconds one message may take in all, connecting included (``mail --deadline``).
DEADLINE = 120
