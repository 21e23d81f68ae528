import sys

from inference_core.cli import main

sys.exit(main())
