from ra_runtime.service import main

from ra_enrichment.main import definition

main(definition())
