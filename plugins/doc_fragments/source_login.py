# -*- coding: utf-8 -*-
# Copyright: (c) 2025, mysql_rds.replication contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type


class ModuleDocFragment(object):
    """Logins of a second server, in modules that talk to two (sub-options exactly the connection options).

    C(mysql_rds.replication.source_login): O(source_login), the server the data comes from.
    C(mysql_rds.replication.source_login.replica): O(replica_login), a replica of the module's server.
    C(mysql_rds.replication.source_login.record): O(proof_record_login), the server that keeps a proof record.
    ansible-test reads fragments as literal strings, so the sub-options stand in both; they must
    stay the connection options of module_utils/connection.py (tests/unit/plugins/modules/docs_spec.py
    checks every module's documented sub-options against its argument spec).
    """

    DOCUMENTATION = r'''
options:
  source_login:
    description:
      - Login of the server the data comes from (the source), with the same sub-options as the
        module's own login options (O(login_host), O(login_user), O(ca_cert)...).
    type: dict
    suboptions:
      login_host:
        description:
          - Host name or IP address of the server to manage (for RDS, the instance endpoint).
          - Ignored when O(source_login.login_unix_socket) (or C(socket) in O(source_login.config_file)) is set.
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
          - When omitted, C(user) from the C([client]) section of O(source_login.config_file).
        type: str
      login_password:
        description:
          - Password of O(source_login.login_user). Never logged nor returned.
          - When omitted, C(password) from the C([client]) section of O(source_login.config_file).
        type: str
      login_unix_socket:
        description:
          - Unix socket to connect through instead of TCP.
          - When omitted, C(socket) from the C([client]) section of O(source_login.config_file), if any.
        type: str
      config_file:
        description:
          - MySQL option file whose C([client]) section supplies C(user), C(password) and C(socket)
            when O(source_login.login_user), O(source_login.login_password) and O(source_login.login_unix_socket) are not given.
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
          - Private key (PEM) of O(source_login.client_cert).
        type: path
        aliases: [ssl_key, ssl_key_file]
      check_hostname:
        description:
          - With O(source_login.ca_cert), also check that the server certificate names O(source_login.login_host).
        type: bool
        default: true
      connect_timeout:
        description:
          - Seconds to wait for the connection.
        type: int
        default: 30
'''

    REPLICA = r'''
options:
  replica_login:
    description:
      - Login of a replica of this server (the same sub-options as the module's own login options),
        to prove it equal at the snapshot's coordinates while this server takes writes. Implies
        O(snapshot=true).
      - Before the snapshot opens, the module pauses the replica's applier if it runs (and starts its
        receiver if it is stopped); while this server is checksummed inside its snapshot, the
        replica applies up to the snapshot's coordinates, is checksummed there and compared, both
        sides read at the same time. The module then restores replication as it found it (also when
        it fails), and fails when the replica stops elsewhere or on an error.
      - The account needs the privileges to stop and start the replica's threads and read its status.
      - The result is in RV(replica); the statements run on the replica in RV(queries).
    type: dict
    aliases: [replica]
    suboptions:
      login_host:
        description:
          - Host name or IP address of the server to manage (for RDS, the instance endpoint).
          - Ignored when O(replica_login.login_unix_socket) (or C(socket) in O(replica_login.config_file)) is set.
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
          - When omitted, C(user) from the C([client]) section of O(replica_login.config_file).
        type: str
      login_password:
        description:
          - Password of O(replica_login.login_user). Never logged nor returned.
          - When omitted, C(password) from the C([client]) section of O(replica_login.config_file).
        type: str
      login_unix_socket:
        description:
          - Unix socket to connect through instead of TCP.
          - When omitted, C(socket) from the C([client]) section of O(replica_login.config_file), if any.
        type: str
      config_file:
        description:
          - MySQL option file whose C([client]) section supplies C(user), C(password) and C(socket)
            when O(replica_login.login_user), O(replica_login.login_password) and O(replica_login.login_unix_socket) are not given.
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
          - Private key (PEM) of O(replica_login.client_cert).
        type: path
        aliases: [ssl_key, ssl_key_file]
      check_hostname:
        description:
          - With O(replica_login.ca_cert), also check that the server certificate names O(replica_login.login_host).
        type: bool
        default: true
      connect_timeout:
        description:
          - Seconds to wait for the connection.
        type: int
        default: 30
'''

    RECORD = r'''
options:
  proof_record_login:
    description:
      - Login (same sub-options as O(replica_login)) of the self-managed server that keeps the record.
        Default O(replica_login), else the module's login.
    type: dict
    suboptions:
      login_host:
        description:
          - Host name or IP address of the server to manage (for RDS, the instance endpoint).
          - Ignored when O(proof_record_login.login_unix_socket) (or C(socket) in O(proof_record_login.config_file)) is set.
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
          - When omitted, C(user) from the C([client]) section of O(proof_record_login.config_file).
        type: str
      login_password:
        description:
          - Password of O(proof_record_login.login_user). Never logged nor returned.
          - When omitted, C(password) from the C([client]) section of O(proof_record_login.config_file).
        type: str
      login_unix_socket:
        description:
          - Unix socket to connect through instead of TCP.
          - When omitted, C(socket) from the C([client]) section of O(proof_record_login.config_file), if any.
        type: str
      config_file:
        description:
          - MySQL option file whose C([client]) section supplies C(user), C(password) and C(socket)
            when O(proof_record_login.login_user), O(proof_record_login.login_password) and O(proof_record_login.login_unix_socket) are not given.
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
          - Private key (PEM) of O(proof_record_login.client_cert).
        type: path
        aliases: [ssl_key, ssl_key_file]
      check_hostname:
        description:
          - With O(proof_record_login.ca_cert), also check that the server certificate names O(proof_record_login.login_host).
        type: bool
        default: true
      connect_timeout:
        description:
          - Seconds to wait for the connection.
        type: int
        default: 30
'''
