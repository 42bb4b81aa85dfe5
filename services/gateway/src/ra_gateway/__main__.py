"""``python -m ra_gateway`` serves the API; ``python -m ra_gateway migrate`` applies the migrations."""

from ra_runtime.service import main

from ra_gateway.main import definition

if __name__ == "__main__":
    main(definition())
