"""What the field app does, without a window: each service is tested on its own."""
