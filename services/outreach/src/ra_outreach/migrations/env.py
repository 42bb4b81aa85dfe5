from ra_runtime.migrations import run_env

from ra_outreach.models import Base

run_env(Base.metadata)
