"""The review workflow: review service, rounds, transitions, exit outcomes, the household editing model."""
