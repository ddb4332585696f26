"""Helpers shared by the tests: the bot harness against the simulator (:mod:`.harness`), what
a resident, a coordinator or a story reviewer does in the chat (:mod:`.chat`) and residents
put straight into the database (:mod:`.data`)."""
