"""Minqing field app (Kivy): screens in `kv/` and `screens/` over `services/`, on `sync`."""
