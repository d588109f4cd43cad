# -*- coding: utf-8 -*-
# Copyright: (c) 2025, mysql_rds.replication contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The cutover's timeline: each step with its UTC time and the seconds since the start."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import time


class Timeline(object):
    """``mark(step, **details)`` appends {step, at (ISO 8601 UTC), elapsed, details...}; returns the time."""

    def __init__(self, clock=time.time):
        self.clock = clock
        self.start = clock()
        self.steps = []

    def mark(self, step, **details):
        now = self.clock()
        stamp = time.strftime('%Y-%m-%dT%H:%M:%S', time.gmtime(now)) + '.%06dZ' % int((now % 1) * 1000000)
        entry = dict(step=step, at=stamp, elapsed=round(now - self.start, 4))
        entry.update(details)
        self.steps.append(entry)
        return now
