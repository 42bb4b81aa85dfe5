from ra_runtime.service import main

from ra_validation.main import definition

main(definition())
