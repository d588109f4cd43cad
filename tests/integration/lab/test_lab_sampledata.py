"""`labctl sample-data` writes sysbench tables as the admin user, once."""


def test_sample_data_is_created_once_as_the_master_user(lab):
    root = lab.connect("rds_target", root=True)
    try:
        lab.query(root, "DROP DATABASE IF EXISTS sbtest")
        first = lab.labctl("sample-data", "rds_target", "--tables", "2", "--rows", "50").stdout
        counts = [lab.query(root, "SELECT COUNT(*) AS n FROM sbtest.sbtest%d" % i)[0]["n"] for i in (1, 2)]
        again = lab.labctl("sample-data", "rds_target", "--tables", "2", "--rows", "50").stdout
    finally:
        lab.query(root, "DROP DATABASE IF EXISTS sbtest")
        root.close()
    assert counts == [50, 50], first
    assert "already holds 2 table(s)" in again
