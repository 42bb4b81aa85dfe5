from ra_runtime.service import main

from ra_warmup.main import definition

main(definition())
