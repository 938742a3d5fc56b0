"""Pure measurement and judging: no Locust, no I/O beyond reading and writing result files.

Intervals and job records, server times, accounting, histograms, metrics, confidence, ground
truth, timeline, advice, capacity, SLO gates, arrivals and the per-process results.
"""
