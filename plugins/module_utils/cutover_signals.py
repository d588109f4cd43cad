# -*- coding: utf-8 -*-
# Copyright: (c) 2025, mysql_rds.replication contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""SIGINT/SIGTERM during the cutover: noted by the handler, raised at the next checkpoint.

The handler never raises inside a statement (that would leave a connection half-read, and the
source could not be unfrozen on it): the cutover calls ``checkpoint()`` between its steps and at
every poll of its waits, and handles ``Interrupted`` like any other failure of that step.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import signal

NAMES = {signal.SIGINT: 'SIGINT', signal.SIGTERM: 'SIGTERM'}


class Interrupted(Exception):
    """A SIGINT/SIGTERM arrived; raised at a checkpoint."""


class Signals(object):
    def __init__(self):
        self.pending = None
        self.previous = {}

    def install(self):
        for number in NAMES:
            self.previous[number] = signal.signal(number, self.note)
        return self

    def restore(self):
        for number, handler in self.previous.items():
            signal.signal(number, handler)
        self.previous = {}

    def note(self, number, _frame=None):
        self.pending = number

    def checkpoint(self):
        if self.pending is not None:
            number, self.pending = self.pending, None
            raise Interrupted('interrupted by signal %s' % NAMES.get(number, number))
