"""The job runner (docs/decisions/0011-job-runner.md): django-q2 runs the sweep and the
outbox delivery on schedule, and a delivery as soon as a service has written a message."""
