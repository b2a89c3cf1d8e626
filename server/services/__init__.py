"""Server services: the work behind the API and the `flask` commands, one job per module."""
