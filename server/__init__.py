"""Minqing sync server (Flask). Built in the sync-server issue; the sync core lives in `sync`."""
