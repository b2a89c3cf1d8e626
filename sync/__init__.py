"""The pure sync core shared by server and tablets: schemas, operations, merge rules, replicas.

Nothing here imports Flask or Kivy."""
