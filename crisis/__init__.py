"""The incident core: incidents, their timeline, tasks, playbooks and live event log."""
