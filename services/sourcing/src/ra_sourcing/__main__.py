from ra_runtime.service import main

from ra_sourcing.main import definition

main(definition())
