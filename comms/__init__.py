"""Public statements, their approval by legal, stakeholder groups, channels and deliveries.

Arrives with the statements issue; the app is installed now so its migrations start
in the right place.
"""
