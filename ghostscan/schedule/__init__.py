"""Running ghostscan unattended: the run lock (`lock`) and the scheduler (`daemon`).

APScheduler is imported only inside `ghostscan.schedule.daemon`'s functions, so importing
this package costs nothing.
"""
