"""Scheduled sweeps: trading-partner folders, the inbound and outbound sweeps, the delivery
queue many workers share, acknowledgment tracking, the scheduler and the operations view."""
