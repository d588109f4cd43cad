# -*- coding: utf-8 -*-
# Copyright: (c) 2025, mysql_rds.replication contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type


class ModuleDocFragment(object):
    """Shared connection options of mysql_rds.replication modules."""

    DOCUMENTATION = r'''
options:
  login_host:
    description:
      - Host name or IP address of the server to manage (for RDS, the instance endpoint).
      - Ignored when O(login_unix_socket) (or C(socket) in O(config_file)) is set.
    type: str
    default: localhost
  login_port:
    description:
      - TCP port of the server.
    type: int
    default: 3306
  login_user:
    description:
      - Account to log in with. For an RDS instance, the master user.
      - When omitted, C(user) from the C([client]) section of O(config_file).
    type: str
  login_password:
    description:
      - Password of O(login_user). Never logged nor returned.
      - When omitted, C(password) from the C([client]) section of O(config_file).
    type: str
  login_unix_socket:
    description:
      - Unix socket to connect through instead of TCP.
      - When omitted, C(socket) from the C([client]) section of O(config_file), if any.
    type: str
  config_file:
    description:
      - MySQL option file whose C([client]) section supplies C(user), C(password) and C(socket)
        when O(login_user), O(login_password) and O(login_unix_socket) are not given.
      - A missing default file is ignored; a missing file given explicitly is an error.
      - V('') reads no option file at all.
    type: path
    default: ~/.my.cnf
  ca_cert:
    description:
      - CA certificate (PEM) that signed the server certificate. Setting it turns TLS on and
        makes the client verify the server certificate.
      - For RDS, the regional or global bundle from the RDS truststore.
    type: path
    aliases: [ssl_ca, ssl_ca_cert]
  client_cert:
    description:
      - Client certificate (PEM), for accounts that C(REQUIRE X509).
    type: path
    aliases: [ssl_cert, ssl_cert_file]
  client_key:
    description:
      - Private key (PEM) of O(client_cert).
    type: path
    aliases: [ssl_key, ssl_key_file]
  check_hostname:
    description:
      - With O(ca_cert), also check that the server certificate names O(login_host).
    type: bool
    default: true
  connect_timeout:
    description:
      - Seconds to wait for the connection.
    type: int
    default: 30
requirements:
  - PyMySQL >= 1.0 on the host that runs the module.
notes:
  - Errors never contain passwords; they say which option or grant to fix.
  - The login options have community.mysql's names and aliases (O(ca_cert) is also C(ssl_ca),
    O(client_cert) C(ssl_cert), O(client_key) C(ssl_key)), so the same C(module_defaults) serve both.
    The replication channel's TLS files are other options (C(source_ssl_*) of the replica modules).
'''
