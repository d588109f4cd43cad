"""community.mysql's login contract on a real server (issue 14): the TLS options under the names
community.mysql users write (ssl_ca, ssl_cert, ssl_key: aliases of ca_cert, client_cert,
client_key) log in with a client certificate an account requires (REQUIRE X509), and
config_file: '' reads no option file."""
import secrets

import pytest

from module_runner import run_module

INSTANCE = "onprem_source"
USER = "x509_login"


@pytest.fixture
def x509_account(lab):
    password = "X5-" + secrets.token_hex(10)
    root = lab.connect(INSTANCE, root=True)
    try:
        lab.query(root, "DROP USER IF EXISTS '%s'@'%%'" % USER)
        lab.query(root, "CREATE USER '%s'@'%%' IDENTIFIED BY '%s' REQUIRE X509" % (USER, password))
        lab.query(root, "GRANT SELECT, PROCESS, REPLICATION CLIENT, SLAVE MONITOR ON *.* TO '%s'@'%%'" % USER)
        yield password
    finally:
        lab.query(root, "DROP USER IF EXISTS '%s'@'%%'" % USER)
        root.close()


def login(lab, password, **tls):
    info = lab.instances[INSTANCE]
    return dict(login_host=info["host"], login_port=info["port"], login_user=USER, login_password=password,
                config_file="", check_hostname=True, **tls)


def test_community_mysql_tls_aliases_present_the_client_certificate(lab, x509_account, tmp_path, monkeypatch):
    # An option file that would log in as someone else: config_file '' must not read it.
    home = tmp_path / "home"
    home.mkdir()
    (home / ".my.cnf").write_text("[client]\nuser=nobody\npassword=wrong\nssl-ca=/nonexistent/ca.pem\n")
    monkeypatch.setenv("HOME", str(home))
    tls = lab.tls_dir
    run = run_module("replication_server_info", login(lab, x509_account, ssl_ca=str(tls / "ca.pem"),
                                                      ssl_cert=str(tls / "client-cert.pem"),
                                                      ssl_key=str(tls / "client-key.pem")))
    assert not run.failed, run
    assert run.result["server_id"] == lab.instances[INSTANCE]["server_id"], run
    assert x509_account not in run.output


def test_without_the_client_certificate_the_account_refuses(lab, x509_account):
    # The counter-proof: the same login without ssl_cert/ssl_key is refused (REQUIRE X509).
    run = run_module("replication_server_info", login(lab, x509_account, ssl_ca=str(lab.tls_dir / "ca.pem")))
    assert run.failed, run
    assert "1045" in run.result["msg"] or "Access denied" in run.result["msg"], run
    assert x509_account not in run.output
