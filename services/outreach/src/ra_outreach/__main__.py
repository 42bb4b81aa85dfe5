from ra_runtime.service import main

from ra_outreach.main import definition

main(definition())
