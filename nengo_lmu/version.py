"""nengo-lmu version, and the backend versions it was verified with."""

version = "0.1.0.dev0"

#: Versions verified together (see constraints.txt). nengo-loihi 1.1.0 and
#: nengo-dl 3.6.0 state support for nengo <= 3.2.0 and warn under 4.1.0; the
#: parts nengo-lmu uses were checked under 4.1.0 (see CHANGES.rst).
tested_nengo = "4.1.0"
tested_nengo_loihi = "1.1.0"
tested_nengo_dl = "3.6.0"
