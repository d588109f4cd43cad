"""The lab CA and its certificates, made with the openssl CLI."""
import subprocess

from rdslab import config

DAYS = "3650"


def _run(*args):
    subprocess.run(["openssl", *args], check=True, capture_output=True)


def _signed(d, name, subj, ext_lines):
    key, csr, crt, ext = (d / ("%s-key.pem" % name), d / ("%s.csr" % name),
                          d / ("%s-cert.pem" % name), d / ("%s.ext" % name))
    _run("req", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-subj", subj, "-out", str(csr))
    ext.write_text("\n".join(ext_lines) + "\n")
    _run("x509", "-req", "-in", str(csr), "-CA", str(d / "ca.pem"), "-CAkey", str(d / "ca-key.pem"),
         "-CAcreateserial", "-days", DAYS, "-sha256", "-extfile", str(ext), "-out", str(crt))
    csr.unlink()
    ext.unlink()
    key.chmod(0o600)


def ensure():
    """Create the CA, server and client certificates unless they exist. Returns the directory."""
    d = config.tls_dir()
    if (d / "client-cert.pem").exists():
        return d
    d.mkdir(parents=True, exist_ok=True)
    _run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", DAYS, "-sha256",
         "-keyout", str(d / "ca-key.pem"), "-subj", "/CN=rdslab CA", "-out", str(d / "ca.pem"))
    (d / "ca-key.pem").chmod(0o600)
    _signed(d, "server", "/CN=localhost",
            ["basicConstraints=CA:FALSE", "keyUsage=digitalSignature,keyEncipherment",
             "extendedKeyUsage=serverAuth", "subjectAltName=IP:127.0.0.1,DNS:localhost"])
    _signed(d, "client", "/CN=rdslab client",
            ["basicConstraints=CA:FALSE", "keyUsage=digitalSignature,keyEncipherment",
             "extendedKeyUsage=clientAuth"])
    return d
