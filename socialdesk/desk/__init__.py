"""The pipeline: intake, triage, outbox, tickets, SLA watch and the scheduler that runs them.

Every step takes its collaborators (database sessions, clock, connectors, rules) from a
`Desk`, so tests and the demo can give it a simulated clock and the sandbox network.
"""
