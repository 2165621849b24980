"""Stand-ins for the outside world, for the demo, the tests and the benchmarks.

A WinTariff that writes Calls.dbf, a day of office traffic, and a console that shows
what the chats would see. Nothing in the service itself (reader, rules, ledger, figures)
imports from here.
"""
