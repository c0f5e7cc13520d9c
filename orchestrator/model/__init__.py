"""What a project is, read from its files: the step model, discovery, settings, `.env`,
config validation and cron schedules. No processes, no I/O beyond reading files."""
