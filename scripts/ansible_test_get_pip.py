# mysql_rds.replication: offline stand-in for ansible-test's get-pip.py bootstrap script.
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Install pip into the running interpreter, then run `pip install ARGS`.

ansible-test bootstraps pip into its fresh virtualenvs with a get-pip.py script downloaded
from a host that is not reachable from every network (only PyPI may be). scripts/sanity.sh
saves this file in ansible-test's cache under that script's name: it seeds pip from the
interpreter's bundled wheel (ensurepip), then lets pip install the requested versions from
the package index, as get-pip.py would.
"""
import ensurepip
import os
import subprocess
import sys

GET_PIP_ONLY_OPTIONS = ("--no-setuptools", "--no-wheel")


def main():
    # ensurepip disables pip's configuration (PIP_CONFIG_FILE=/dev/null) in os.environ;
    # the real install must see the user's pip settings (index, certificates).
    environ = dict(os.environ)
    ensurepip.bootstrap(upgrade=True)
    args = [arg for arg in sys.argv[1:] if arg not in GET_PIP_ONLY_OPTIONS]
    command = [sys.executable, "-m", "pip", "install", "--upgrade", "--force-reinstall"]
    sys.exit(subprocess.call(command + args, env=environ))


if __name__ == "__main__":
    main()
