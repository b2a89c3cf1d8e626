"""The tablet's screens: thin Kivy classes that pass what the worker typed to the services
and show what the services answer, in the catalogue's words (`wording`)."""
