"""Minqing field app (Kivy). Built in the field-app issue; it stands on the `sync` core."""
