"""Locust glue: the users, the job flow they drive, its book, the shared submit budget and the
Locust event handlers and options. The only package (with `locustfiles/`) that imports Locust
or gevent; import it only inside a Locust process.
"""
