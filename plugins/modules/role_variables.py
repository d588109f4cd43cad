#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2025, mysql_rds.replication contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

# Documentation only: the work is done by the action plugin of the same name on the controller.

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: role_variables
short_description: Check a role's variables, map deprecated names and normalize list variables
version_added: 0.2.0
description:
  - The first task of each role of the collection. It reads the calling role's argument spec
    (C(meta/argument_specs.yml), entry point C(main)) and its C(defaults/main.yml) from the role's
    path, then checks the variables of the play against them.
  - B(Deprecated names.) Each name of O(renamed) or O(replaced) that is defined gets an Ansible
    deprecation warning (removed in mysql_rds.replication 0.3.0). The value of a name of O(renamed)
    is returned under its new name in RV(facts), converted to the new name's type when that is an
    C(int), C(bool) or C(float) (the argument spec does not check old names; a value that does not
    convert fails the task, naming the variables and the type only).
  - When the new name is also set (to another value than the role's default), the new one wins and
    the warning says both were set.
  - B(List variables) (O(lists)) given as a string, as AWX surveys and C(-e) send them, become a
    list (the string split on commas, items stripped, empty items dropped). A list stays as it is.
  - B(Unknown names.) Every variable that starts with O(prefix) followed by C(_) and is neither in
    the argument spec, nor in O(known), O(renamed) or O(replaced) gets a warning naming the closest
    known variable (a misspelled variable would otherwise be ignored and its default used).
    Private facts (C(_<prefix>_...)) do not start with the prefix.
  - Values only ever appear in RV(facts); messages and the other return values hold names. When
    RV(facts) holds a variable whose name contains C(password), C(secret), C(token) or C(key), the
    whole result is hidden as with C(no_log) (the warnings still show, also with a task-level
    C(no_log)).
  - Runs on the controller and connects nowhere. It sets nothing itself. The role sets RV(facts)
    with M(ansible.builtin.set_fact), so they get set_fact precedence and never reach a fact cache
    (the C(ansible_facts) of an action other than set_fact would be cached host facts, below play
    variables).
  - Extra variables (C(-e), AWX surveys) outrank every fact, so a list given there as a string
    stays a string for tasks that read the variable itself. The collection's modules accept both.
author:
  - mysql_rds.replication contributors (@mysql_rds)
attributes:
  check_mode:
    support: full
    description: Reads only, the same in check mode.
  diff_mode:
    support: none
    description: Nothing to diff.
  platform:
    support: full
    platforms: all
    description: Runs on the controller (action plugin).
options:
  prefix:
    description:
      - The role's variable prefix, e.g. V(replica_of_rds). Variables named C(<prefix>_*) are checked.
    type: str
    required: true
  renamed:
    description:
      - Deprecated variable names and their new names (old name -> new name), for names whose value
        means the same under the new name.
    type: dict
    default: {}
  replaced:
    description:
      - Deprecated variable names whose value does not carry over as is (old name -> C(new_name) or
        C(new_name (hint)), the first word being the new variable's name).
      - Each one in use gets the deprecation warning (with the hint); the role derives the new value
        itself for the names listed in RV(replaced).
    type: dict
    default: {}
  lists:
    description:
      - Names of the role's list variables, normalized when given as a string.
      - The options of C(type=list) in the argument spec are normalized too, listed here or not.
    type: list
    elements: str
    default: []
  known:
    description:
      - Further valid variable names with the prefix that the argument spec does not list.
    type: list
    elements: str
    default: []
notes:
  - Call it as a task of the role whose variables it checks (it needs C(role_path)).
seealso:
  - module: ansible.builtin.validate_argument_spec
'''

EXAMPLES = r'''
# roles/my_role/tasks/variables.yml
- name: Map deprecated names, normalize lists, warn about unknown names
  mysql_rds.replication.role_variables:
    prefix: my_role
    renamed:
      my_role_source_host: my_role_rds_host
      my_role_master_password: my_role_rds_master_password
    replaced:
      my_role_polls: my_role_wait_timeout (seconds; polls x poll seconds)
    lists:
      - my_role_databases
  register: _my_role_variables

- name: Set the mapped and normalized values
  ansible.builtin.set_fact:
    "{{ item.key }}": "{{ item.value }}"
  loop: "{{ _my_role_variables.facts | dict2items }}"
  loop_control:
    label: "{{ item.key }}"
  no_log: "{{ item.key is search('password|secret|token|key') }}"

- name: Derive the new value of a replaced name
  ansible.builtin.set_fact:
    my_role_wait_timeout: "{{ my_role_polls | int * 5 }}"
  when: "'my_role_polls' in _my_role_variables.replaced"
'''

RETURN = r'''
facts:
  description:
    - The values to set (variable name -> value) - the new names of the deprecated ones in use and
      the list variables given as strings, as lists.
    - The only return value that holds values.
  returned: always
  type: dict
  sample: {"my_role_rds_host": "db.example.com", "my_role_databases": ["sales", "crm"]}
deprecated:
  description: The deprecated names that are in use (O(renamed) and O(replaced)).
  returned: always
  type: list
  elements: str
  sample: ["my_role_source_host"]
replaced:
  description:
    - The names of O(replaced) in use whose new variable is not set otherwise, so the role derives it.
  returned: always
  type: list
  elements: str
  sample: ["my_role_polls"]
unknown:
  description: The variables with the role's prefix that the role does not know (each got a warning).
  returned: always
  type: list
  elements: str
  sample: ["my_role_databses"]
normalized:
  description: The list variables that were given as a string and are returned as lists in RV(facts).
  returned: always
  type: list
  elements: str
  sample: ["my_role_databases"]
'''
