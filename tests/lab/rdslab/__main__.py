import sys

from rdslab.cli import main

sys.exit(main())
